"""Made-up identifiers some partners hold: PNC ids, NHS numbers, UPNs, NI numbers.

One value per true person, so that two forces' records of the same person
share a PNC id where both hold it. NHS numbers carry a valid modulus-11 check
digit; NI numbers use the ``QQ`` prefix, which is never issued.
"""

from __future__ import annotations

import numpy as np

from crossline.sim.rng import stream

LETTERS = np.array(list("ABCDEFGHJKLMNPQRSTUVWXYZ"))


def nhs_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` ten-digit numbers with a valid NHS check digit."""
    digits = rng.integers(0, 10, (n, 9))
    digits[:, 0] = rng.integers(4, 8, n)
    weights = np.arange(10, 1, -1)
    while True:
        check = 11 - (digits @ weights) % 11
        bad = check == 10
        if not bad.any():
            break
        digits[bad, 8] = (digits[bad, 8] + 1) % 10
    check = np.where(check == 11, 0, check)
    full = np.concatenate([digits, check[:, None]], axis=1)
    return np.array(["".join(map(str, r)) for r in full]) if n < 1000 else _join(full)


def _join(digits: np.ndarray) -> np.ndarray:
    weights = 10 ** np.arange(digits.shape[1] - 1, -1, -1, dtype=np.int64)
    return np.char.zfill((digits @ weights).astype(str), digits.shape[1])


def person_ids(seed: int, n: int, born: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """PNC id, NHS number, UPN and NI number for ``n`` people (by pidx).

    ``born``: each person's year of birth. A PNC id starts with the year the
    police first recorded the person, so it is drawn from the years the person
    was ten or older (or from their birth, for a child younger than that in
    2025), from 1974 at the earliest, up to 2025; without ``born``, from 2000 to 2025 whatever the age
    (before 2026-12-07, always so: a child born in 2012 could hold ``05/...``,
    which resolution now reads as born in 2005 or before).
    """
    rng = stream(seed, "identifiers")
    draw = rng.integers(0, 26, n)  # one draw a person whatever ``born`` is, so every later identifier stays the same
    if born is None:
        issued = 2000 + draw
    else:
        first = np.maximum(np.maximum(np.minimum(born + 10, 2025), born), 1974)  # the PNC began in 1974
        last = np.maximum(first, 2025)
        issued = first + draw % (last - first + 1)
    year = np.char.zfill((issued % 100).astype(str), 2)
    pnc = np.char.add(np.char.add(np.char.add(year, "/"), np.char.zfill(rng.integers(0, 1_000_000, n).astype(str), 6)),
                      LETTERS[rng.integers(0, len(LETTERS), n)])
    upn = np.char.add(LETTERS[rng.integers(0, len(LETTERS), n)], _join(rng.integers(0, 10, (n, 12))))
    ni = np.char.add(np.char.add("QQ", _join(rng.integers(0, 10, (n, 6)))), np.array(list("ABCD"))[rng.integers(0, 4, n)])
    return {"pnc_id": pnc, "nhs_number": nhs_numbers(rng, n), "upn": upn, "ni": ni}
