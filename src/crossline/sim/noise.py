"""How a partner's record of a person differs from the truth.

Each kind of variation is applied to a random share of records (police ones
more, school ones less) and tagged in truth/person_records.csv, so tests and
evaluations can check what was done. Kinds (``NOISE_KINDS``): old_surname,
nickname, swapped_names, typo, transposition, upper_case, dob_missing,
dob_partial_year, dob_partial_month, dob_day_month_swapped, old_address,
address_abbrev, town_variant, postcode_format, alias, and phone_<style> for
the way the phone was written. ``identity_noise`` adds, from a stream of its
own (so every other draw of a scenario stays as it was), the issue 13 kinds:
dob_digits_transposed, bad_typo and short_form; ``area_missing`` (its own
stream too) leaves some records the house and street only (no_area);
``charity_records`` rewrites some charity records as a charity keeps them
(charity_no_dob); ``date_wrong`` (its own stream) gives a few records a date
of birth that is not their person's at all (dob_wrong).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from crossline.sim.geography import TOWN_BY_KEY
from crossline.sim.names import NICKNAMES, SHORT_FORMS, TOWN_VARIANTS
from crossline.sim.phones import PHONE_STYLES, format_phone
from crossline.sim.scenario import NoiseParams

NOISE_KINDS = (
    "old_surname", "nickname", "swapped_names", "typo", "transposition", "upper_case",
    "dob_missing", "dob_partial_year", "dob_partial_month", "dob_day_month_swapped",
    "old_address", "address_abbrev", "town_variant", "postcode_format", "alias", "dob_digits_transposed", "bad_typo",
    "short_form", "charity_no_dob", "no_area", "dob_wrong",
)
NEIGHBOURS = {
    "a": "qsz", "b": "vn", "c": "xv", "d": "sf", "e": "wr", "f": "dg", "g": "fh", "h": "gj", "i": "uo",
    "j": "hk", "k": "jl", "l": "k", "m": "n", "n": "bm", "o": "ip", "p": "o", "q": "w", "r": "et",
    "s": "ad", "t": "ry", "u": "yi", "v": "cb", "w": "qe", "x": "zc", "y": "tu", "z": "x",
}

# Keys next to each key on a QWERTY keyboard: the same row either side, and the two touching it on the rows above
# and below (each row sits about half a key right of the one above). Used for bad typos only: ``typo`` keeps its
# narrower table, so the scenarios other stages are measured on stay as they were.
QWERTY_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


def _qwerty_neighbours() -> dict[str, str]:
    out: dict[str, str] = {}
    for r, row in enumerate(QWERTY_ROWS):
        for i, key in enumerate(row):
            near = [row[j] for j in (i - 1, i + 1) if 0 <= j < len(row)]
            if r > 0:
                near += [QWERTY_ROWS[r - 1][j] for j in (i, i + 1) if j < len(QWERTY_ROWS[r - 1])]
            if r < len(QWERTY_ROWS) - 1:
                near += [QWERTY_ROWS[r + 1][j] for j in (i - 1, i) if 0 <= j < len(QWERTY_ROWS[r + 1])]
            out[key] = "".join(near)
    return out


QWERTY = _qwerty_neighbours()

NONE = np.array(None, dtype=object)  # np.where(mask, values, NONE): missing where the mask is false


def typo(rng: np.random.Generator, s: str) -> str:
    """One letter (rarely the first) replaced by a keyboard neighbour."""
    pos = [i for i, ch in enumerate(s) if ch.lower() in NEIGHBOURS and i > 0] or [i for i, ch in enumerate(s) if ch.lower() in NEIGHBOURS]
    if not pos:
        return s
    i = pos[int(rng.integers(0, len(pos)))]
    opts = NEIGHBOURS[s[i].lower()]
    ch = opts[int(rng.integers(0, len(opts)))]
    return s[:i] + (ch.upper() if s[i].isupper() else ch) + s[i + 1 :]


def transpose(rng: np.random.Generator, s: str) -> str:
    """Two neighbouring, different letters swapped (``Evnas`` for ``Evans``)."""
    pos = [i for i in range(1, len(s) - 1) if s[i] != s[i + 1] and s[i].isalpha() and s[i + 1].isalpha()]
    if not pos:
        return s
    i = pos[int(rng.integers(0, len(pos)))]
    return s[:i] + s[i + 1] + s[i] + s[i + 2 :]


def apply_noise(records: pl.DataFrame, rng: np.random.Generator, p: NoiseParams, multiplier: np.ndarray,
                police: np.ndarray, school: np.ndarray) -> pl.DataFrame:
    """The partner-facing fields of each record, and a ``noise`` column of tags.

    ``records`` carries the true person's fields; ``multiplier`` scales the
    name and date noise per record (by source); ``police`` and ``school``
    mark records from those kinds of source (aliases are police knowledge;
    school dates are written dd/mm/yyyy).
    """
    n = records.height
    tags = np.full(n, "", dtype=object)

    def tag(mask: np.ndarray, name: str) -> None:
        tags[mask] = tags[mask] + ";" + name

    def r() -> np.ndarray:
        return rng.random(n)

    given = records["given_name"].to_numpy().astype(object)
    family = records["family_name"].to_numpy().astype(object)
    birth = records["birth_family_name"].to_numpy().astype(object)

    m = (birth != family) & (r() < p.p_old_surname)
    family[m] = birth[m]
    tag(m, "old_surname")

    has_nick = np.isin(given, list(NICKNAMES))
    m = has_nick & (r() < p.p_nickname * multiplier)
    for i in np.flatnonzero(m).tolist():
        opts = NICKNAMES[given[i]]
        given[i] = opts[0] if rng.random() < 0.6 else opts[int(rng.integers(0, len(opts)))]
    tag(m, "nickname")

    m = r() < p.p_swapped_names * multiplier
    given[m], family[m] = family[m].copy(), given[m].copy()
    tag(m, "swapped_names")

    for kind, prob, fn in (("typo", p.p_typo, typo), ("transposition", p.p_transposition, transpose)):
        m = r() < prob * multiplier
        on_given = r() < 0.5
        changed = np.zeros(n, dtype=bool)
        for i in np.flatnonzero(m).tolist():
            arr = given if on_given[i] else family
            new = fn(rng, arr[i])
            changed[i] = new != arr[i]
            arr[i] = new
        tag(changed, kind)

    m = (r() < p.p_upper_family * multiplier) & ~school
    before = family.copy()
    family[m] = np.array([s.upper() for s in family[m]], dtype=object)
    tag(m & (family != before), "upper_case")

    # dates of birth: missing, partial, or day and month swapped
    dob = records["date_of_birth"].to_numpy()
    years = dob.astype("datetime64[Y]").astype(int) + 1970
    months = dob.astype("datetime64[M]").astype(int) % 12 + 1
    days = (dob - dob.astype("datetime64[M]")).astype(int) + 1
    u = r()
    pm, pp, ps = p.p_dob_missing * multiplier, p.p_dob_partial * multiplier, p.p_dob_day_month_swapped * multiplier
    missing = u < pm
    part_year = (u >= pm) & (u < pm + pp / 2)
    part_month = (u >= pm + pp / 2) & (u < pm + pp)
    swapped = (u >= pm + pp) & (u < pm + pp + ps) & (days <= 12) & (days != months)
    d_out, m_out = np.where(swapped, months, days), np.where(swapped, days, months)
    dob_text = np.empty(n, dtype=object)
    for i in range(n):
        if missing[i]:
            dob_text[i] = None
        elif part_year[i]:
            dob_text[i] = f"{years[i]:04d}"
        elif part_month[i]:
            dob_text[i] = f"{years[i]:04d}-{months[i]:02d}"
        elif school[i]:
            dob_text[i] = f"{d_out[i]:02d}/{m_out[i]:02d}/{years[i]:04d}"
        else:
            dob_text[i] = date(int(years[i]), int(m_out[i]), int(d_out[i])).isoformat()
    tag(missing, "dob_missing")
    tag(part_year, "dob_partial_year")
    tag(part_month, "dob_partial_month")
    tag(swapped, "dob_day_month_swapped")

    # addresses: old one after a move, abbreviated street, Welsh town name, postcode spacing
    moved = records["prev_street"].is_not_null().to_numpy()
    old = moved & (r() < p.p_old_address)
    house = np.where(old, records["prev_house"].fill_null("").to_numpy(), records["house"].to_numpy()).astype(object)
    abbrev = r() < p.p_address_abbreviation
    street = np.where(old, records["prev_street"].fill_null("").to_numpy(),
                      np.where(abbrev, records["street_abbrev"].to_numpy(), records["street"].to_numpy())).astype(object)
    abbrev &= ~old & (records["street_abbrev"].to_numpy() != records["street"].to_numpy())
    postcode = np.where(old, records["prev_postcode"].fill_null("").to_numpy(), records["postcode"].to_numpy()).astype(object)
    town_key = np.where(old, records["prev_town"].fill_null("").to_numpy(), records["town"].to_numpy())
    town = np.array([TOWN_BY_KEY[t].name for t in town_key], dtype=object)
    variant = np.isin(town, list(TOWN_VARIANTS)) & (r() < p.p_welsh_town)
    town[variant] = [TOWN_VARIANTS[t][0] for t in town[variant]]
    pc_fmt = r() < 0.08
    postcode[pc_fmt] = [s.replace(" ", "").lower() if rng.random() < 0.5 else s.replace(" ", "  ") for s in postcode[pc_fmt]]
    tag(old, "old_address")
    tag(abbrev, "address_abbrev")
    tag(variant, "town_variant")
    tag(pc_fmt, "postcode_format")
    address = np.char.add(np.char.add(house.astype(str), " "), street.astype(str)).astype(object)

    # street names (aliases), as police know them
    alias = records["alias"].to_numpy().astype(object)
    has_alias = police & np.array([a is not None and a != "" for a in alias]) & (r() < p.p_alias)
    alias_out = np.where(has_alias, alias, NONE)
    tag(has_alias, "alias")

    # phones, in many forms
    phone_src = records["phone_used"].to_numpy().astype(object)
    blank = r() < p.p_no_phone
    style_idx = rng.integers(0, len(PHONE_STYLES), n)
    phone_out = np.empty(n, dtype=object)
    for i in range(n):
        if phone_src[i] is None or blank[i]:
            phone_out[i] = None
        else:
            style = PHONE_STYLES[style_idx[i]]
            phone_out[i] = format_phone(str(phone_src[i]), style)
            tags[i] = tags[i] + ";phone_" + style

    return pl.DataFrame({
        "given_name": pl.Series(given.tolist(), dtype=pl.String),
        "family_name": pl.Series(family.tolist(), dtype=pl.String),
        "date_of_birth": pl.Series(dob_text.tolist(), dtype=pl.String),
        "address": pl.Series(address.tolist(), dtype=pl.String),
        "town": pl.Series(town.tolist(), dtype=pl.String),
        "postcode": pl.Series(postcode.tolist(), dtype=pl.String),
        "aliases": pl.Series(alias_out.tolist(), dtype=pl.String),
        "phone": pl.Series(phone_out.tolist(), dtype=pl.String),
        "noise": pl.Series([t.lstrip(";") for t in tags], dtype=pl.String),
    })


def slip(rng: np.random.Generator, s: str, i: int) -> str:
    """The letter at ``i`` replaced by a key next to it on a QWERTY keyboard (case kept); other characters as they are."""
    near = QWERTY.get(s[i].lower())
    if not near:
        return s
    ch = near[int(rng.integers(0, len(near)))]
    return s[:i] + (ch.upper() if s[i].isupper() else ch) + s[i + 1 :]


def bad_typo(rng: np.random.Generator, s: str) -> str:
    """A name typed badly: the first letter and one other each hit on a neighbouring key (QWERTY).

    Nrad for Brad is the first slip alone; a hurried entry with the hand one key
    off makes two (Xhlie for Chloe, Kpgan for Logan). Names under four letters
    are left alone: two slips in three letters leave no name to recognise.
    """
    if len(s) < 4:
        return s
    out = slip(rng, s, 0)
    return slip(rng, out, 1 + int(rng.integers(0, len(s) - 1)))


def identity_noise(frame: pl.DataFrame, rng: np.random.Generator, p: NoiseParams) -> pl.DataFrame:
    """Issue 13's identity noise on partner-facing fields: day digits transposed, badly mistyped given names, short forms."""
    n = frame.height
    dob = frame["date_of_birth"].to_numpy().astype(object)
    given = frame["given_name"].to_numpy().astype(object)
    tags = frame["noise"].to_numpy().astype(object)
    flip = rng.random(n) < p.p_dob_digits_transposed
    bad = rng.random(n) < p.p_bad_typo
    for i in np.flatnonzero(flip).tolist():
        d = dob[i]
        if d is None or len(d) != 10 or d[8] == d[9] or "-" not in d or int(d[9] + d[8]) < 1 or int(d[9] + d[8]) > 28:
            continue
        dob[i] = d[:8] + d[9] + d[8]
        tags[i] = (tags[i] + ";" if tags[i] else "") + "dob_digits_transposed"
    for i in np.flatnonzero(bad).tolist():
        if given[i] is None:
            continue
        new = bad_typo(rng, given[i])
        if new != given[i]:
            given[i] = new
            tags[i] = (tags[i] + ";" if tags[i] else "") + "bad_typo"
    # drawn after the two above, so adding it changed neither
    short = rng.random(n) < p.p_short_form
    for i in np.flatnonzero(short).tolist():
        forms = SHORT_FORMS.get(given[i]) if given[i] is not None else None
        if not forms:
            continue
        given[i] = forms[int(rng.integers(0, len(forms)))]
        tags[i] = (tags[i] + ";" if tags[i] else "") + "short_form"
    return frame.with_columns(
        pl.Series("date_of_birth", dob.tolist(), dtype=pl.String),
        pl.Series("given_name", given.tolist(), dtype=pl.String),
        pl.Series("noise", tags.tolist(), dtype=pl.String),
    )


def area_missing(frame: pl.DataFrame, rng: np.random.Generator, p: NoiseParams) -> pl.DataFrame:
    """Some records hold the house and street only, no town or postcode: the home as a person said it.

    A referral taken by phone or a form left half filled keeps "14 Larch Road"
    and nothing else; the record is still of the same home. Drawn from a
    stream of its own, so every other variation of a scenario stays as it was.
    """
    chosen = (rng.random(frame.height) < p.p_no_area) & frame["address"].is_not_null().to_numpy()
    if not chosen.any():
        return frame
    keep = pl.Series(~chosen)
    tags = frame["noise"].to_numpy().astype(object)
    # the town's and postcode's own variations went with them
    gone = {"town_variant", "postcode_format"}
    tags[chosen] = [";".join([x for x in (t or "").split(";") if x and x not in gone] + ["no_area"]) for t in tags[chosen]]
    return frame.with_columns(
        pl.when(keep).then(pl.col("town")).otherwise(None).alias("town"),
        pl.when(keep).then(pl.col("postcode")).otherwise(None).alias("postcode"),
        pl.Series("noise", tags.tolist(), dtype=pl.String),
    )


def charity_records(frame: pl.DataFrame, truth: pl.DataFrame, charity: np.ndarray, rng: np.random.Generator,
                    p: NoiseParams) -> pl.DataFrame:
    """Some charity records as a youth charity keeps them: no date of birth, the name, phone and address as given.

    ``truth`` (row for row with ``frame``) holds the person's true ``given_name``,
    ``family_name``, ``house``, ``street``, ``postcode``, ``town`` (key) and
    ``phone``; ``charity`` marks charity records. A chosen record loses its
    date of birth and every other variation: the name, home and own phone
    are the true ones (the phone written as the person gave it), so only
    name, phone and address can join it to the person's other records.
    """
    n = frame.height
    chosen = charity & (rng.random(n) < p.p_charity_no_dob)
    if not chosen.any():
        return frame
    cols = {c: frame[c].to_numpy().astype(object) for c in ("given_name", "family_name", "date_of_birth", "address", "town",
                                                           "postcode", "phone", "noise")}
    style_idx = rng.integers(0, len(PHONE_STYLES), n)
    for i in np.flatnonzero(chosen).tolist():
        row = truth.row(i, named=True)
        cols["given_name"][i], cols["family_name"][i] = row["given_name"], row["family_name"]
        cols["date_of_birth"][i] = None
        cols["address"][i] = f"{row['house']} {row['street']}"
        cols["town"][i] = TOWN_BY_KEY[row["town"]].name
        cols["postcode"][i] = row["postcode"]
        style = PHONE_STYLES[style_idx[i]]
        cols["phone"][i] = format_phone(str(row["phone"]), style) if row["phone"] else None
        cols["noise"][i] = "charity_no_dob" + (f";phone_{style}" if row["phone"] else "")
    return frame.with_columns(*[pl.Series(c, v.tolist(), dtype=pl.String) for c, v in cols.items()])


WRONG_DATES = (date(1940, 1, 1), date(2015, 12, 31))
"""The range a wholly wrong date of birth is drawn from: any living person's, adult or child."""


def date_wrong(frame: pl.DataFrame, rng: np.random.Generator, p: NoiseParams) -> pl.DataFrame:
    """A few full dates of birth wholly wrong: another date keyed into the field, or the record keyed against the wrong person.

    No typo explains such a date, so only what else the record holds can
    say whose it is: an identifier it shares with the person's other records
    (the date constraint then takes the date as the error, ``constraints.py``),
    or else nothing, and the record stands apart. FEBRL's duplicates carry
    many (1997-09-02 for 1926-10-17); agency data carries them too. Drawn
    from a stream of its own, after everything else, so no other record of a
    scenario changed when it was added.
    """
    n = frame.height
    dob = frame["date_of_birth"].to_numpy().astype(object)
    tags = frame["noise"].to_numpy().astype(object)
    chosen = (rng.random(n) < p.p_dob_wrong) & np.array([d is not None and len(d) == 10 for d in dob])
    span = (WRONG_DATES[1] - WRONG_DATES[0]).days
    offsets = rng.integers(0, span + 1, n)
    for i in np.flatnonzero(chosen).tolist():
        wrong = date.fromordinal(WRONG_DATES[0].toordinal() + int(offsets[i]))
        dob[i] = wrong.strftime("%d/%m/%Y") if "/" in dob[i] else wrong.isoformat()  # as the source writes dates
        tags[i] = (tags[i] + ";" if tags[i] else "") + "dob_wrong"
    return frame.with_columns(pl.Series("date_of_birth", dob.tolist(), dtype=pl.String),
                              pl.Series("noise", tags.tolist(), dtype=pl.String))
