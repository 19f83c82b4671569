"""Which text encoding a feed is in: UTF-8 (BOM stripped), else cp1252, else the feed fails.

Checked by streaming the whole file through an incremental decoder, so a
10 GB file costs one pass and constant memory.
"""

from __future__ import annotations

import codecs
import gzip
from pathlib import Path
from typing import BinaryIO, cast

from crossline.errors import BundleError

_CHUNK = 8 << 20


def open_binary(path: Path) -> BinaryIO:
    if path.name.lower().endswith(".gz"):
        return cast(BinaryIO, gzip.open(path, "rb"))
    return open(path, "rb")


def _decodes(path: Path, encoding: str, seen: dict[str, bool] | None = None) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    quoted = nul = False
    try:
        with open_binary(path) as fh:
            while chunk := fh.read(_CHUNK):
                decoder.decode(chunk)
                quoted = quoted or b'"' in chunk
                nul = nul or b"\x00" in chunk
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    except (OSError, EOFError) as exc:
        raise BundleError(path.name, f"cannot be read ({exc})") from exc
    if seen is not None:
        seen["quotes"] = quoted
        seen["nul"] = nul
    return True


def detect_encoding(path: Path, display_name: str, seen: dict[str, bool] | None = None) -> str:
    """'utf-8' or 'cp1252'; raise BundleError naming the file if neither decodes it.

    ``seen["quotes"]`` tells the caller whether the file holds any double quote
    at all: without one, no value can span lines, and line numbering is simpler;
    ``seen["nul"]`` whether it holds a NUL byte, which validation must then look for.
    """
    if _decodes(path, "utf-8", seen):
        return "utf-8"
    if _decodes(path, "cp1252", seen):
        return "cp1252"
    raise BundleError(display_name, "is neither UTF-8 nor Windows-1252 text; re-export it as UTF-8")
