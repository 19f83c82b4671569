"""Files only their owner can read: folders 0700, files 0600, whatever umask the user's shell set.

A workspace holds police intelligence and children's safeguarding records; a
umask of 022 (the usual default) would leave every file readable by every
account on the machine. Crossline therefore sets the process umask to 077 while
it runs (:func:`owner_only_umask`), so every file any library writes (SQLite,
DuckDB, Polars, Parquet) is born owner-only, and also sets the modes itself
where it creates the workspace's own folders and files (:func:`private_dir`,
:func:`private_write`), so a caller that changes the umask back cannot widen
them. Files are written beside their final name and renamed into place, so a
full disk or a kill never leaves a half-written file under a name that looks
complete.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from crossline.errors import ConfigurationError

UMASK = 0o077
DIR_MODE = 0o700
FILE_MODE = 0o600


def owner_only_umask() -> int:
    """Make everything this process creates from now on owner-only; returns the umask it replaced."""
    return os.umask(UMASK)


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) as 0700; an existing folder this account owns is tightened to 0700."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    tighten(path)
    return path


def private_write(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` as a 0600 file, atomically (a temporary file beside it, then a rename)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with private_output(path) as tmp:
        tmp.write_bytes(raw)


@contextmanager
def private_output(path: Path) -> Iterator[Path]:
    """A temporary 0600 path beside ``path`` for a writer that takes a path (Polars, DuckDB); renamed into place on success.

    On any error the temporary file is removed and ``path`` is left as it was:
    a disk that fills half-way through never leaves a truncated export.
    """
    path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)  # mkstemp creates 0600
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, FILE_MODE)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_with(path: Path, writer: Callable[[Path], object]) -> None:
    """Call ``writer(tmp)`` and rename the result to ``path``: the one-call form of :func:`private_output`."""
    with private_output(path) as tmp:
        writer(tmp)


def loose_bits(path: Path) -> int:
    """The group and other permission bits set on ``path`` (0 when only its owner can use it)."""
    return stat.S_IMODE(path.stat().st_mode) & 0o077


def require_owner_only(path: Path, what: str) -> None:
    """Refuse a secret file that someone other than its owner (and this account) could read or change."""
    try:
        st = path.stat()
    except OSError as exc:
        raise ConfigurationError(f"{what} {path} cannot be read ({exc.strerror})") from exc
    if not stat.S_ISREG(st.st_mode):
        raise ConfigurationError(f"{what} {path} is not a regular file")
    if stat.S_IMODE(st.st_mode) & 0o077:
        raise ConfigurationError(
            f"{what} {path} can be read or changed by other accounts (mode {stat.S_IMODE(st.st_mode):o}): "
            "make it readable by its owner only (mode 600)"
        )
    if st.st_uid not in (os.getuid(), 0):
        raise ConfigurationError(f"{what} {path} belongs to another account (uid {st.st_uid}): it must belong to this account")


def tighten(path: Path) -> None:
    """Take group and other permissions off a file or folder this account owns; never adds a permission."""
    try:
        st = path.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISLNK(st.st_mode) or st.st_uid != os.getuid() or not stat.S_IMODE(st.st_mode) & 0o077:
        return
    try:
        os.chmod(path, stat.S_IMODE(st.st_mode) & 0o700)
    except OSError:
        pass  # a read-only file system: reading still works, and nothing new is written there
