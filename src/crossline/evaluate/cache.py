"""A what-works result kept beside the workspace, so asking again for the same evaluation is instant.

The evaluation refits two models on every bootstrap resample for every
programme, outcome and horizon: minutes on a county's records (194 s on the
simulator's long period). ``crossline export``, ``crossline what-works`` in
each format and the safeguarding summary all ask for the same result, usually
on the same picture. The result is stored under a key that is the SHA-256 of
everything it depends on: every input frame (people, programmes, events,
concerns, risk evidence, line contact, partner-recorded outcomes, the data
period), the risk and evaluate settings, and the source of the evaluation
code itself. Any change to any of them gives another key, so a stale result
is never returned; there is nothing to invalidate by hand.

Entries are pickles written owner-only (store/files.py) in the workspace's
own ``cache/what-works`` folder, which only the workspace's owner can write;
only the newest ``KEEP`` entries are kept. A workspace this account cannot
write is evaluated without the cache.
"""

from __future__ import annotations

import hashlib
import io
import pickle
from collections.abc import Callable
from pathlib import Path

import polars as pl

from crossline.evaluate.effects import EvaluationData, WhatWorks
from crossline.settings.evaluate import EvaluateSettings
from crossline.settings.risk import RiskSettings
from crossline.store import files

KEEP = 4  # entries kept: one per recent picture is plenty
SUFFIX = ".whatworks.pickle"


def cache_key(data: EvaluationData, rs: RiskSettings, es: EvaluateSettings) -> str:
    """SHA-256 (hex) of the inputs, the settings and the evaluation code: equal keys, equal results."""
    h = hashlib.sha256()
    for name in ("people", "treatments", "events", "concerns", "evidence", "line_contacts", "recorded"):
        frame = getattr(data, name)
        h.update(f"\0{name}\0".encode())
        if frame is None:
            h.update(b"none")
        else:
            _hash_frame(h, frame)
    h.update(f"\0period\0{data.data_start.isoformat()}\0{data.data_end.isoformat()}".encode())
    h.update(b"\0risk\0" + rs.model_dump_json().encode())
    h.update(b"\0evaluate\0" + es.model_dump_json().encode())
    h.update(b"\0code\0" + _code_digest())
    return h.hexdigest()


def _hash_frame(h: hashlib._Hash, frame: pl.DataFrame) -> None:
    """The frame's schema and every value, as Arrow IPC bytes (uncompressed: the same frame always gives the same bytes)."""
    h.update(repr(frame.schema).encode())
    buf = io.BytesIO()
    frame.write_ipc(buf, compression="uncompressed")
    h.update(buf.getvalue())


def _code_digest() -> bytes:
    """Digest of the evaluation's own source (and the risk scoring it calls): a fix to the method is a new key."""
    from crossline.stages.risk import score

    here = Path(__file__).parent
    h = hashlib.sha256()
    for path in sorted([*here.glob("*.py"), Path(score.__file__)]):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.digest()


def cached_evaluate(data: EvaluationData, rs: RiskSettings, es: EvaluateSettings, folder: Path | None,
                    run: Callable[[EvaluationData, RiskSettings, EvaluateSettings], WhatWorks]) -> WhatWorks:
    """``run(data, rs, es)``, or the stored result of the same call; ``folder`` None evaluates without the cache."""
    if folder is None:
        return run(data, rs, es)
    key = cache_key(data, rs, es)
    path = folder / f"{key}{SUFFIX}"
    if path.is_file():
        try:
            with path.open("rb") as f:
                result = pickle.load(f)  # noqa: S301 - written by this account, owner-only, in the workspace
            if isinstance(result, WhatWorks):
                return result
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
            pass  # unreadable (an older Crossline, a partial copy): evaluate again and replace it
    result = run(data, rs, es)
    try:
        files.private_dir(folder)
        files.private_write(path, pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
        _prune(folder)
    except OSError:
        pass  # a full disk or a read-only folder costs the next caller the time, never the result
    return result


def _prune(folder: Path) -> None:
    entries = sorted(folder.glob(f"*{SUFFIX}"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[KEEP:]:
        old.unlink(missing_ok=True)
