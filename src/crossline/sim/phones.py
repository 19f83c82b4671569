"""Made-up UK mobile numbers, the many ways partners write them, and handset IMEIs.

Prefixes are ones the ``phonenumbers`` library judges valid as well as
possible (shared/design/FIELD-NOTES.md); the Ofcom drama range 07700 900xxx
is deliberately not used because it fails the validity check.
"""

from __future__ import annotations

import numpy as np

MOBILE_PREFIXES = np.array(
    ["771", "772", "773", "774", "775", "776", "777", "780", "781", "784", "785", "786",
     "787", "788", "789", "794", "795", "796", "797", "798", "799"]
)
# made-up type allocation codes for handsets (the first 8 IMEI digits)
TACS = np.array(["35693803", "35328410", "35875109", "86753104", "35209511", "35404906", "01332700"])

PHONE_STYLES = ("national_spaced", "international_spaced", "bare_international", "bracketed",
                "dashed", "national_bare", "e164")


class NumberPool:
    """Unique E.164 mobile numbers, handed out in a fixed order for a seed."""

    def __init__(self, rng: np.random.Generator, size: int) -> None:
        draw = int(size * 1.02) + 64
        prefix = rng.integers(0, len(MOBILE_PREFIXES), draw)
        rest = rng.integers(0, 10_000_000, draw)
        codes = prefix.astype(np.int64) * 10_000_000 + rest
        _, first = np.unique(codes, return_index=True)
        keep = np.sort(first)[:size]
        if len(keep) < size:  # astronomically unlikely; keeps the promise anyway
            raise RuntimeError("number pool exhausted; raise the draw")
        p = MOBILE_PREFIXES[prefix[keep]]
        r = np.char.zfill(rest[keep].astype(str), 7)
        self._numbers = np.char.add(np.char.add("+44", p), r)
        self._next = 0

    def take(self, n: int) -> np.ndarray:
        """The next ``n`` unused numbers."""
        if self._next + n > len(self._numbers):
            raise RuntimeError("number pool exhausted")
        out = self._numbers[self._next : self._next + n]
        self._next += n
        return out


def format_phone(e164: str, style: str) -> str:
    """``+447711123456`` written the way a partner might: ``(07711) 123 456`` etc."""
    national = "0" + e164[3:]  # 07711123456
    head, tail = national[:5], national[5:]
    if style == "national_spaced":
        return f"{head} {tail}"
    if style == "international_spaced":
        return f"+44 {e164[3:7]} {e164[7:]}"
    if style == "bare_international":
        return e164[1:]
    if style == "bracketed":
        return f"({head}) {tail[:3]} {tail[3:]}"
    if style == "dashed":
        return f"{head}-{tail[:3]}-{tail[3:]}"
    if style == "national_bare":
        return national
    return e164


def national_form(e164: np.ndarray) -> np.ndarray:
    """``+447711123456`` -> ``07711123456`` for a whole array."""
    return np.char.add("0", np.char.replace(e164.astype(str), "+44", "", count=1))


def luhn_digit(body: np.ndarray) -> np.ndarray:
    """Luhn check digits for rows of 14 digits (an IMEI's 15th digit)."""
    d = body.copy()
    d[:, 1::2] *= 2
    d[d > 9] -= 9
    return (10 - d.sum(axis=1) % 10) % 10


def make_imeis(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` 15-digit IMEIs (made-up TAC, random serial) with a valid Luhn check digit."""
    tac_digits = np.array([[int(c) for c in t] for t in TACS], dtype=np.int64)
    digits = np.concatenate([tac_digits[rng.integers(0, len(TACS), n)], rng.integers(0, 10, (n, 6))], axis=1)
    weights = 10 ** np.arange(13, -1, -1, dtype=np.int64)
    body = digits @ weights
    imei = body * 10 + luhn_digit(digits)
    return np.char.zfill(imei.astype(str), 15)
