"""People: who lives in each household, their names, ages, sexes and phones.

One row per true person. Names follow the household (partners who took the
household's surname keep a birth surname that older records still use), ages
follow the household's kind, and most people aged 11 or over have a phone.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from crossline.sim.names import FAMILY, GIVEN_F_OLDER, GIVEN_F_YOUNG, GIVEN_M_OLDER, GIVEN_M_YOUNG
from crossline.sim.phones import NumberPool
from crossline.sim.rng import stream
from crossline.sim.scenario import Scenario
from crossline.sim.tables import masked

# adults, children (min, max) per household kind
_SHAPE = {
    "single": (1, 0, 0),
    "couple": (2, 0, 0),
    "couple_children": (2, 1, 4),
    "single_parent": (1, 1, 4),
    "three_generations": (3, 1, 3),
}


def _family_names(rng: np.random.Generator, n: int, welsh: bool) -> np.ndarray:
    """Surnames, weighted towards Welsh ones in the market (the first 34 of the list)."""
    w = np.ones(len(FAMILY))
    if welsh:
        w[:34] = 4.0
    return np.array(FAMILY)[rng.choice(len(FAMILY), size=n, p=w / w.sum())]


def _given_names(rng: np.random.Generator, sex: np.ndarray, birth_year: np.ndarray) -> np.ndarray:
    """Given names by sex and generation (born before 1995 or after)."""
    out = np.empty(len(sex), dtype=object)
    for lst, mask in (
        (GIVEN_F_OLDER, (sex == "F") & (birth_year < 1995)),
        (GIVEN_M_OLDER, (sex == "M") & (birth_year < 1995)),
        (GIVEN_F_YOUNG, (sex == "F") & (birth_year >= 1995)),
        (GIVEN_M_YOUNG, (sex == "M") & (birth_year >= 1995)),
    ):
        out[mask] = np.array(lst)[rng.integers(0, len(lst), int(mask.sum()))]
    return out.astype(str)


def make_people(scenario: Scenario, households: pl.DataFrame, pool: NumberPool, region: str, first_pidx: int = 0) -> pl.DataFrame:
    """One row per person living in ``households``.

    Columns: pidx, person_id, household_id, town, force_area, market, member
    (parent, partner, grandparent, child, single), given_name, other_names,
    family_name, birth_family_name, sex, date_of_birth, age, house, street,
    street_abbrev, postcode, prev_* address columns, phone, phone2.
    """
    p = scenario.population
    rng = stream(scenario.seed, "people", region)
    kinds = households["kind"].to_numpy()
    n_h = len(kinds)
    n_adults = np.array([_SHAPE[k][0] for k in kinds])
    kid_lo = np.array([_SHAPE[k][1] for k in kinds])
    kid_hi = np.array([_SHAPE[k][2] for k in kinds])
    n_kids = np.where(kid_hi > 0, np.minimum(kid_lo + rng.poisson(0.8, n_h), kid_hi), 0)
    size = n_adults + n_kids
    h = np.repeat(np.arange(n_h), size)
    ordinal = np.arange(len(h)) - np.repeat(np.cumsum(size) - size, size)
    n = len(h)
    kind = kinds[h]
    is_child = ordinal >= n_adults[h]

    # ages: the first adult by kind, the others relative to them
    first_age = np.select(
        [kinds == "single", kinds == "couple", kinds == "single_parent"],
        [rng.integers(19, 86, n_h), rng.integers(22, 86, n_h), rng.integers(20, 52, n_h)],
        rng.integers(26, 54, n_h),
    )
    age = first_age[h].copy()
    partner = (ordinal == 1) & ~is_child
    grand = (ordinal == 2) & ~is_child
    age[partner] = np.clip(age[partner] + rng.integers(-4, 5, int(partner.sum())), 18, 95)
    age[grand] = np.clip(age[grand] + rng.integers(22, 32, int(grand.sum())), 45, 99)
    max_child = np.clip(first_age - 18, 0, 19)[h]
    age[is_child] = (rng.random(int(is_child.sum())) * (max_child[is_child] + 1)).astype(int)

    member = np.where(is_child, "child", np.where(grand, "grandparent", np.where(partner, "partner", "parent")))
    member = np.where((kind == "single") & ~is_child, "single", member)

    sex = np.where(rng.random(n) < 0.5, "F", "M")
    first_sex = np.where(kinds == "single_parent", np.where(rng.random(n_h) < 0.85, "F", "M"),
                         np.where(rng.random(n_h) < 0.5, "F", "M"))
    sex[ordinal == 0] = first_sex[h[ordinal == 0]]
    opposite = np.where(first_sex[h] == "F", "M", "F")
    straight = rng.random(n) < 0.92
    sex[partner & straight] = opposite[partner & straight]
    sex[(rng.random(n) < 0.002) & ~is_child] = "X"

    start = scenario.start
    days_old = age * 365 + rng.integers(0, 365, n)
    dob = np.datetime64(start.isoformat()) - days_old.astype("timedelta64[D]")
    birth_year = dob.astype("datetime64[Y]").astype(int) + 1970
    name_sex = np.where(sex == "X", np.where(rng.random(n) < 0.5, "F", "M"), sex)
    given = _given_names(rng, name_sex, birth_year)
    other = np.where(rng.random(n) < p.p_middle_name, _given_names(rng, name_sex, birth_year), "")
    other = np.where(other == given, "", other)

    welsh = region == "market"
    house_surname = _family_names(rng, n_h, welsh)[h]
    own_surname = _family_names(rng, n, welsh)
    family = house_surname.copy()
    birth_family = house_surname.copy()
    took_name = partner & (rng.random(n) < p.p_partner_changed_surname)
    kept_name = partner & ~took_name & (rng.random(n) < 0.5)
    birth_family[took_name] = own_surname[took_name]
    family[kept_name] = own_surname[kept_name]
    birth_family[kept_name] = own_surname[kept_name]
    other_parent = is_child & (kind == "single_parent") & (rng.random(n) < p.p_child_other_surname)
    family[other_parent] = own_surname[other_parent]
    birth_family[other_parent] = own_surname[other_parent]
    grand_name = grand & (rng.random(n) < 0.5)
    family[grand_name] = own_surname[grand_name]
    birth_family[grand_name] = own_surname[grand_name]

    has_phone = np.where(age >= 18, rng.random(n) < p.p_phone_adult, (age >= 11) & (rng.random(n) < p.p_phone_child))
    second = has_phone & (rng.random(n) < p.p_second_phone)
    phone = np.full(n, None, dtype=object)
    phone[has_phone] = pool.take(int(has_phone.sum()))
    phone2 = np.full(n, None, dtype=object)
    phone2[second] = pool.take(int(second.sum()))

    hh = households[h]
    pidx = np.arange(first_pidx, first_pidx + n)
    return pl.DataFrame(
        {
            "pidx": pidx,
            "person_id": np.char.add("TP", np.char.zfill(pidx.astype(str), 7)),
            "household_id": hh["household_id"],
            "town": hh["town"],
            "force_area": hh["force_area"],
            "market": np.full(n, region == "market"),
            "member": member,
            "given_name": given,
            "other_names": other,
            "family_name": family,
            "birth_family_name": birth_family,
            "sex": sex,
            "date_of_birth": pl.Series(dob).cast(pl.Date),
            "age": age,
            "house": hh["house"],
            "street": hh["street"],
            "street_abbrev": hh["street_abbrev"],
            "postcode": hh["postcode"],
            "prev_town": hh["prev_town"],
            "prev_house": hh["prev_house"],
            "prev_street": hh["prev_street"],
            "prev_postcode": hh["prev_postcode"],
            "phone": masked(np.where(has_phone, phone, ""), has_phone),
            "phone2": masked(np.where(second, phone2, ""), second),
        }
    )

