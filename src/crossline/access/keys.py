"""The workspace's audit key: 32 random bytes in a file, never in the database.

Audit entries carry an HMAC made with this key, so someone who can write the
database but cannot read the key file cannot forge, rewrite or re-chain the
log without ``verify`` noticing. The file sits in the workspace folder by
default (``audit.key``, owner-only); ``audit_key_file`` in crossline.toml or
``$CROSSLINE_AUDIT_KEY_FILE`` moves it elsewhere, so an operator can keep it
off the database host. The database keeps only the key's identifier (an HMAC
of a constant), so opening a workspace with the wrong key, or none when the
workspace had one, is refused rather than silently starting a new chain.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import stat
import weakref
from pathlib import Path

from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import DBAPIError

from crossline.errors import ConfigurationError
from crossline.store.models import AuditEntry, WorkspaceMeta

KEY_NAME = "audit.key"
KEY_ENV = "CROSSLINE_AUDIT_KEY_FILE"
KEY_BYTES = 32
KEY_ID = "audit_key_id"  # workspace_meta: which key this workspace's log is authenticated with
SEALED = "audit_sealed"  # workspace_meta: the last entry written before the workspace had a key

_attached: weakref.WeakKeyDictionary[Engine, bytes] = weakref.WeakKeyDictionary()


def key_path(workspace: Path, setting: str = "") -> Path:
    """Where the key lives: the environment, then the setting (relative to the workspace), then audit.key in it."""
    chosen = os.environ.get(KEY_ENV) or setting
    if not chosen:
        return workspace / KEY_NAME
    path = Path(chosen).expanduser()
    return path if path.is_absolute() else workspace / path


def mac(key: bytes, *parts: object) -> str:
    """HMAC-SHA256 over the parts, each separated by a NUL so no two different part lists collide."""
    message = "\x00".join(str(p) for p in parts).encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def key_id(key: bytes) -> str:
    """Names the key without revealing it: an HMAC of a constant."""
    return mac(key, "crossline-audit-key-id")[:32]


def read_key(path: Path) -> bytes:
    """The key, refusing a file that others can read or that is not a key."""
    try:
        info = path.stat()
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"cannot read the audit key {path}: {exc.strerror or exc}", next_step="restore_audit_key") from exc
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigurationError(
            f"the audit key {path} can be read by other accounts (mode {stat.S_IMODE(info.st_mode):o}); "
            "make it owner-only (chmod 600) and consider the key exposed: anchor the log now",
        )
    if len(data) != KEY_BYTES:
        raise ConfigurationError(f"{path} is not a Crossline audit key ({len(data)} bytes, expected {KEY_BYTES})", next_step="restore_audit_key")
    return data


def create_key(path: Path) -> bytes:
    """Write a new key owner-only; if another process made one first, use that one.

    Written to a private temporary file and linked into place, so no reader
    ever sees a half-written key and two processes cannot both create one.
    """
    key = secrets.token_bytes(KEY_BYTES)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)  # whatever the umask
        os.write(fd, key)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)
    except FileExistsError:
        return read_key(path)
    finally:
        tmp.unlink(missing_ok=True)
    return key


def attach(engine: Engine, key: bytes) -> None:
    _attached[engine] = key


def key_for(engine: Engine) -> bytes | None:
    """The key attached when the workspace owning this engine was opened."""
    return _attached.get(engine)


def _meta(conn: Connection, name: str) -> str | None:
    return conn.execute(select(WorkspaceMeta.value).where(WorkspaceMeta.key == name)).scalar()


def open_key(engine: Engine, workspace: Path, setting: str = "") -> bytes | None:
    """Find (or, for a workspace that never had one, make) the audit key and attach it to the engine.

    Returns None only when there is no key and none can be made (a read-only
    folder): the workspace can then be read, but every audited action is
    refused. Writes to the database only when the key is new.
    """
    path = key_path(workspace, setting)
    with engine.connect() as conn:
        known = _meta(conn, KEY_ID)
    if path.exists():
        key = read_key(path)
        if known is not None and known != key_id(key):
            raise ConfigurationError(
                f"the audit key {path} is not the key this workspace's log was written with; restore the right file",
                next_step="restore_audit_key",
            )
        if known is None:
            _adopt(engine, key, seal=False)  # a key made by a run that stopped before recording it: never seal now
    elif known is not None:
        raise ConfigurationError(
            f"this workspace's audit key is missing (looked for {path}); without it no entry can be written or checked",
            next_step="restore_audit_key",
        )
    else:
        try:
            key = create_key(path)
        except OSError:
            return None  # a read-only workspace that never had a key: nothing audited can happen here
        _adopt(engine, key, seal=True)
    attach(engine, key)
    return key


def _adopt(engine: Engine, key: bytes, seal: bool) -> None:
    """Record the key's id; with a new key, seal entries written before the workspace had one.

    Sealing only with a key made just now: a workspace whose key id was
    deleted must not be able to bless a log rewritten without authentication codes.
    """
    try:
        with engine.begin() as conn:
            if _meta(conn, KEY_ID) is not None:
                return
            conn.execute(insert(WorkspaceMeta).values(key=KEY_ID, value=key_id(key)))
            last = conn.execute(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)).first()
            if seal and last is not None:
                fact = {"seq": last.seq, "hash": last.hash, "mac": mac(key, "seal", last.seq, last.hash)}
                conn.execute(insert(WorkspaceMeta).values(key=SEALED, value=json.dumps(fact, sort_keys=True)))
    except DBAPIError:
        # A read-only database, or another process adopting the same key at the same moment: check which.
        with engine.connect() as conn:
            if _meta(conn, KEY_ID) not in (None, key_id(key)):
                raise
