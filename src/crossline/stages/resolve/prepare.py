"""Person records as stored -> the table Splink compares (one row per source record).

Everything here is a Polars expression over whole columns: names folded to
plain lower-case letters with their nickname forms, dates of birth split into
parts (partial dates keep only the parts they have), UK postcodes split into
unit, sector and district, addresses with their street words abbreviated the
same way, Welsh place names in their English form, phones and other
identifiers as lists. Lists are never null (empty instead), so comparisons
need no null juggling on either engine.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import polars as pl

from crossline.stages.resolve.nicknames import with_forms, with_known

PLACES = Path(__file__).parent / "data" / "places.csv"

# Columns read from the store's persons table, in this order.
PERSON_COLUMNS = (
    "source", "record_id", "given_name", "family_name", "other_names", "aliases", "date_of_birth",
    "date_of_birth_precision", "sex", "address", "town", "postcode", "postcode_is_uk", "phone", "pnc_id",
    "nhs_number", "upn", "other_ids",
)
# Their types as read: text, but for the one flag.
PERSON_SCHEMA = {c: (pl.Boolean if c == "postcode_is_uk" else pl.String) for c in PERSON_COLUMNS}

# The columns Splink sees (and what ``known`` scores a new record with).
SPLINK_COLUMNS = (
    "unique_id", "source", "record_id", "given_name", "family_name", "given_forms", "given_canon", "given_known", "name_key",
    "given_initial", "family_initial", "forenames", "surnames", "names", "aliases", "sex",
    "dob", "dob_year", "dob_month", "dob_day", "dob_partial_year", "dob_swapped", "dob_day_flip",
    "postcode", "postcode_sector", "postcode_district", "address", "address_numbers", "town", "phones", "pnc", "nhs", "upn",
    "other_ids", "other_id_types", "other_id_first", "id_variants", "name_phones", "middle_names", "middle_first",
)

# Street words as partners write them; both sides are folded to the short form.
STREET_WORDS = {
    "street": "st", "road": "rd", "avenue": "ave", "av": "ave", "drive": "dr", "close": "cl", "court": "ct",
    "crescent": "cres", "cresent": "cres", "gardens": "gdns", "gdn": "gdns", "lane": "ln", "place": "pl",
    "terrace": "ter", "terr": "ter", "square": "sq", "grove": "gr", "park": "pk", "way": "wy", "hill": "hl",
    "mount": "mt", "view": "vw", "road,": "rd", "flat": "flat", "apartment": "flat", "apt": "flat",
    "north": "n", "south": "s", "east": "e", "west": "w", "saint": "st",
}


def _fold(expr: pl.Expr) -> pl.Expr:
    """Lower case, accents dropped (Siân -> sian, Cwmbrân -> cwmbran)."""
    return expr.str.normalize("NFKD").str.replace_all(r"[^\x00-\x7F]", "").str.to_lowercase()


def _letters(expr: pl.Expr) -> pl.Expr:
    """Only the letters of a name, or null when none are left (O'Brien -> obrien)."""
    out = _fold(expr).str.replace_all(r"[^a-z]", "")
    return pl.when(out.str.len_chars() > 0).then(out).otherwise(None)


def _tokens(expr: pl.Expr) -> pl.Expr:
    """The words of a name as a list (Lewis-Hughes -> [lewis, hughes]); empty when none."""
    return (
        _fold(expr.fill_null("")).str.replace_all(r"[^a-z]+", " ").str.strip_chars().str.split(" ")
        .list.eval(pl.element().filter(pl.element().str.len_chars() > 0))
    )


def _json_list(column: str) -> pl.Expr:
    return pl.col(column).str.json_decode(pl.List(pl.String)).fill_null(pl.lit([], dtype=pl.List(pl.String)))


@lru_cache(maxsize=1)
def _places() -> dict[str, str]:
    frame = pl.read_csv(PLACES)
    return dict(zip(frame["variant"].to_list(), frame["place"].to_list(), strict=True))


def _address(expr: pl.Expr) -> pl.Expr:
    words = (
        _fold(expr.fill_null("")).str.replace_all(r"[^a-z0-9]+", " ").str.strip_chars().str.split(" ")
        .list.eval(pl.element().filter(pl.element().str.len_chars() > 0).replace(STREET_WORDS))
        .list.join(" ")
    )
    return pl.when(words.str.len_chars() > 0).then(words).otherwise(None)


def _numbers(address: pl.Expr) -> pl.Expr:
    """The numbers in an address, in order, space-separated (the house and flat), or null when there are none."""
    numbers = address.str.extract_all(r"[0-9]+").list.join(" ")
    return pl.when(numbers.str.len_chars() > 0).then(numbers).otherwise(None)


def _town(expr: pl.Expr) -> pl.Expr:
    folded = _fold(expr).str.replace_all(r"[^a-z]+", " ").str.strip_chars()
    folded = pl.when(folded.str.len_chars() > 0).then(folded).otherwise(None)
    return folded.replace(_places())


VARIANT_MAX_LENGTH = 16
NAME_PHONES = 3  # phones per record paired with its name for blocking


def _deletions(identifier: pl.Expr) -> pl.Expr:
    """An identifier (``kind:value``) and every form of it with one character of the value deleted.

    Two identifiers one edit apart (a digit mistyped, dropped, added, or two
    swapped) share one of these forms, so blocking on them is an equi-join
    that finds typos without comparing every identifier with every other.
    """
    kind = identifier.str.split_exact(":", 1).struct.field("field_0") + ":"
    value = identifier.str.splitn(":", 2).struct.field("field_1")
    n = value.str.len_chars()
    dropped = [pl.when(n > i).then(kind + value.str.slice(0, i) + value.str.slice(i + 1)) for i in range(VARIANT_MAX_LENGTH)]
    return pl.concat_list([identifier, *dropped]).list.drop_nulls()


def _with_id_variants(frame: pl.DataFrame) -> pl.DataFrame:
    """Add ``id_variants``: ``_deletions`` of the first other identifier, empty when the record holds none.

    Only other identifiers: NHS numbers, UPNs and PNC ids are blocked on exactly (a typo in one is found by the
    name and date rules); forms of every kind cost 15 s and 0.9 GB more at a million records. Made once per
    distinct identifier and joined back: about one record in thirteen holds one, and the sixteen slices made for
    every record took 4 s of the 10 s spent preparing a million.
    """
    return _by_value(frame, "other_id_first", id_variants=_deletions(pl.col("other_id_first"))).with_columns(
        pl.col("id_variants").fill_null(pl.lit([], dtype=pl.List(pl.String)))
    )


def _by_value(frame: pl.DataFrame, column: str, **exprs: pl.Expr) -> pl.DataFrame:
    """Add ``exprs``, each a function of ``column``'s value alone, worked out once per distinct value and joined back.

    Names, towns and addresses repeat: a million records hold about 10,000
    given names, 4,000 family names, 140,000 addresses and a few hundred
    towns, and folding, splitting and abbreviating each record's own copy was
    most of preparing them. Null is a value here too (``nulls_equal``), so a
    missing name gets what the expressions make of null; rows keep their order.
    """
    values = frame.select(pl.col(column).unique()).with_columns(**exprs)
    return frame.join(values, on=column, how="left", nulls_equal=True, maintain_order="left")


def prepare(persons: pl.DataFrame) -> pl.DataFrame:
    """The Splink input table, sorted by (source, record_id) with ``unique_id`` its row number."""
    p = persons.select(PERSON_COLUMNS).sort("source", "record_id")
    p = _by_value(p, "given_name", _given=_letters(pl.col("given_name")), _given_tokens=_tokens(pl.col("given_name")))
    p = _by_value(p, "family_name", _family=_letters(pl.col("family_name")), _surnames=_tokens(pl.col("family_name")))
    p = _by_value(p, "other_names", _middle_names=_tokens(pl.col("other_names")))
    p = _by_value(p, "aliases", _aliases=_json_list("aliases").list.eval(_letters(pl.element())).list.drop_nulls())
    p = _by_value(p, "address", _address=_address(pl.col("address")), _address_numbers=_numbers(_address(pl.col("address"))))
    p = _by_value(p, "town", _town=_town(pl.col("town")))
    dob = pl.col("date_of_birth")
    uk = pl.col("postcode_is_uk").fill_null(False).cast(pl.Boolean)
    postcode = pl.col("postcode").str.to_uppercase().str.strip_chars()
    outward = postcode.str.split(" ").list.first()
    frame = p.select(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("unique_id"),
        "source",
        "record_id",
        pl.col("_given").alias("given_name"),
        pl.col("_family").alias("family_name"),
        pl.concat_list("_given_tokens", "_middle_names").alias("forenames"),
        pl.col("_surnames").alias("surnames"),
        # middle names on their own: a parent and the child named after them differ here (model.middle_name)
        pl.col("_middle_names").alias("middle_names"),
        pl.col("_aliases").alias("aliases"),
        pl.col("sex").str.to_uppercase().replace({"U": None, "X": None}).alias("sex"),
        pl.when(dob.str.len_chars() == 10).then(dob).otherwise(None).alias("dob"),
        dob.str.slice(0, 4).alias("dob_year"),
        pl.when(dob.str.len_chars() >= 7).then(dob.str.slice(5, 2)).otherwise(None).alias("dob_month"),
        pl.when(dob.str.len_chars() == 10).then(dob.str.slice(8, 2)).otherwise(None).alias("dob_day"),
        pl.when(postcode.str.len_chars() > 0).then(postcode).otherwise(None).alias("postcode"),
        pl.when(uk).then(outward + " " + postcode.str.split(" ").list.get(1, null_on_oob=True).str.slice(0, 1))
        .otherwise(None).alias("postcode_sector"),
        pl.when(uk).then(outward).otherwise(None).alias("postcode_district"),
        pl.col("_address").alias("address"),
        pl.col("_address_numbers").alias("address_numbers"),
        pl.col("_town").alias("town"),
        _json_list("phone").alias("phones"),
        pl.col("pnc_id").str.to_uppercase().str.replace_all(r"[^0-9A-Z/]", "").alias("pnc"),
        pl.col("nhs_number").str.replace_all(r"[^0-9]", "").alias("nhs"),
        pl.col("upn").str.to_uppercase().str.replace_all(r"[^0-9A-Z]", "").alias("upn"),
        _json_list("other_ids")
        .list.eval(
            pl.element().str.split_exact(":", 1).struct.field("field_0").str.strip_chars().str.to_lowercase()
            + ":"
            + pl.element().str.splitn(":", 2).struct.field("field_1").str.to_uppercase().str.replace_all(r"\s", "")
        )
        .list.drop_nulls().alias("other_ids"),
    )
    frame = frame.with_columns(
        [pl.when(pl.col(c).str.len_chars() > 0).then(pl.col(c)).otherwise(None).alias(c) for c in ("pnc", "nhs", "upn")]
    )
    frame = frame.with_columns(
        pl.concat_list("forenames", "surnames").alias("names"),
        # blocking keys: the year of a partial date; a full date with day and month swapped (day 12 or less)
        pl.when(pl.col("dob").is_null()).then(pl.col("dob_year")).alias("dob_partial_year"),
        pl.when(pl.col("dob_day").cast(pl.Int32, strict=False) <= 12)
        .then(pl.concat_str([pl.col("dob_year"), pl.col("dob_day"), pl.col("dob_month")], separator="-"))
        .alias("dob_swapped"),
        # blocking key: the day's two digits swapped (02 for 20), when that is still a day of the month
        pl.when((pl.col("dob_day").str.slice(1, 1) + pl.col("dob_day").str.slice(0, 1)).cast(pl.Int32, strict=False).is_between(1, 31)
                & (pl.col("dob_day").str.slice(0, 1) != pl.col("dob_day").str.slice(1, 1)))
        .then(pl.concat_str([pl.col("dob_year"), pl.col("dob_month"),
                             pl.col("dob_day").str.slice(1, 1) + pl.col("dob_day").str.slice(0, 1)], separator="-"))
        .alias("dob_day_flip"),
    )
    frame = with_known(with_forms(frame, "given_name", "given_forms"), "given_name", "given_known")
    canon = pl.col("given_forms").list.first()
    frame = frame.with_columns(
        canon.alias("given_canon"),
        # the two names in alphabetical order, so that swapped names share the key
        pl.when(canon <= pl.col("family_name"))
        .then(canon + "|" + pl.col("family_name"))
        .otherwise(pl.col("family_name") + "|" + canon)
        .alias("name_key"),
        pl.col("given_name").str.slice(0, 1).alias("given_initial"),
        pl.col("family_name").str.slice(0, 1).alias("family_initial"),
        pl.col("given_forms").fill_null(pl.lit([], dtype=pl.List(pl.String))),
        pl.col("other_ids").list.eval(pl.element().str.split(":").list.first())
        .alias("other_id_types"),
        pl.col("other_ids").list.first().alias("other_id_first"),
        pl.col("middle_names").list.first().alias("middle_first"),
    )
    frame = _with_id_variants(frame)
    # blocking key: the name key with each of the first phones, so a record without a date of birth meets its namesake's
    name_phones = pl.concat_list([
        pl.col("name_key") + "|" + pl.col("phones").list.get(i, null_on_oob=True) for i in range(NAME_PHONES)
    ]).list.drop_nulls()
    return frame.with_columns(name_phones.alias("name_phones")).select(SPLINK_COLUMNS).sort("unique_id")
