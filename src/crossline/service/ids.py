"""Ids a person can type: a unique prefix of a line or nominal id, or (for a line) any of its phone numbers.

Ids such as ``DL-0123456789`` and ``N4753E72F4D6D9FF3`` are long; people copy
the first few characters. A prefix that fits exactly one id stands for it; one
that fits several is an ``AmbiguousId`` naming them, so the user can pick;
an exact id always wins over longer ids it is a prefix of.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from crossline.errors import InvalidInput, NotFound

SHOWN = 8  # candidates named in an ambiguous-prefix error


class AmbiguousId(InvalidInput):
    """A prefix that fits more than one id: the candidates are in ``candidates`` (and the message)."""

    def __init__(self, what: str, given: str, candidates: list[str], next_step: str | None = None) -> None:
        self.candidates = candidates
        more = f" and {len(candidates) - SHOWN} more" if len(candidates) > SHOWN else ""
        super().__init__(f"{given!r} fits {len(candidates)} {what}s: {', '.join(candidates[:SHOWN])}{more}; give more of the id",
                         next_step=next_step)


def _digits(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit())


def resolve(what: str, given: str, ids: Iterable[str], next_step: str | None = None,
            aliases: Mapping[str, str] | None = None) -> str:
    """The one id ``given`` names: itself, the only id it is a prefix of (case-insensitive), or the id of an alias.

    ``aliases`` maps other names to ids (a line's phone numbers): matched whole, or with the leading ``+`` or
    a national ``0`` for ``+44``. Raises NotFound (none fits) or AmbiguousId (several do).
    """
    pool = sorted(set(ids))
    if given in pool:
        return given
    if aliases:
        wanted = _digits(given)
        if given.startswith("0") and wanted:
            wanted = "44" + wanted[1:]
        hit = sorted({i for name, i in aliases.items() if name == given or (wanted and _digits(name) == wanted)})
        if len(hit) == 1:
            return hit[0]
        if len(hit) > 1:
            raise AmbiguousId(what, given, hit, next_step)
    folded = given.strip().upper()
    found = [i for i in pool if folded and i.upper().startswith(folded)]
    if len(found) == 1:
        return found[0]
    if found:
        raise AmbiguousId(what, given, found, next_step)
    raise NotFound(f"no {what} {given!r} in the current picture", next_step=next_step)
