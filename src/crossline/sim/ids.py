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


def person_ids(seed: int, n: int) -> dict[str, np.ndarray]:
    """PNC id, NHS number, UPN and NI number for ``n`` people (by pidx)."""
    rng = stream(seed, "identifiers")
    year = np.char.zfill(rng.integers(0, 26, n).astype(str), 2)
    pnc = np.char.add(np.char.add(np.char.add(year, "/"), np.char.zfill(rng.integers(0, 1_000_000, n).astype(str), 6)),
                      LETTERS[rng.integers(0, len(LETTERS), n)])
    upn = np.char.add(LETTERS[rng.integers(0, len(LETTERS), n)], _join(rng.integers(0, 10, (n, 12))))
    ni = np.char.add(np.char.add("QQ", _join(rng.integers(0, 10, (n, 6)))), np.array(list("ABCD"))[rng.integers(0, 4, n)])
    return {"pnc_id": pnc, "nhs_number": nhs_numbers(rng, n), "upn": upn, "ni": ni}
