"""The noise mechanics really produce each kind of variation they claim (records against truth)."""

from __future__ import annotations

from datetime import datetime

import phonenumbers
import polars as pl
import pytest

from crossline.sim.names import NICKNAMES, SHORT_FORMS, TOWN_VARIANTS
from crossline.sim.noise import NOISE_KINDS, QWERTY
from crossline.sim.phones import PHONE_STYLES

NAME_TAGS = {"old_surname", "nickname", "swapped_names", "typo", "transposition", "upper_case", "bad_typo", "short_form"}


@pytest.fixture(scope="module")
def records(sim) -> pl.DataFrame:
    """Every person record in the bundle beside its truth (``t_`` columns) and its noise tags."""
    feeds = []
    for f in sim.feeds("persons"):
        df = sim.read(f)
        fmt = f.get("formats", {}).get("date_of_birth")
        df = df.with_columns(pl.lit(f["source"]).alias("source"), pl.lit(fmt, dtype=pl.String).alias("dob_format"))
        if "aliases" not in df.columns:
            df = df.with_columns(pl.lit(None, dtype=pl.String).alias("aliases"))
        feeds.append(df.select(["source", "record_id", "given_name", "family_name", "date_of_birth", "address", "town",
                                "postcode", "aliases", "phone", "dob_format"]))
    recs = pl.concat(feeds)
    links = sim.truth("person_records.csv")
    truth = sim.truth("persons.csv").select(pl.all().name.prefix("t_"))
    return recs.join(links, on=["source", "record_id"]).join(truth, left_on="person_id", right_on="t_person_id")


def tags(df: pl.DataFrame) -> pl.Series:
    return df["noise"].fill_null("").str.split(";")


def only_name_tag(df: pl.DataFrame, tag: str) -> pl.DataFrame:
    """Records whose only name variation is ``tag`` (other kinds, e.g. dates, may also apply)."""
    others = list(NAME_TAGS - {tag})
    t = tags(df)
    return df.filter(t.list.contains(tag) & ~pl.any_horizontal([t.list.contains(o) for o in others]))


def test_every_kind_of_variation_occurs(records) -> None:
    present = set(tags(records).explode().unique().to_list())
    missing = (set(NOISE_KINDS) | {f"phone_{s}" for s in PHONE_STYLES} | {"parent_phone"}) - present
    assert not missing


def test_records_without_name_tags_carry_the_true_names(records) -> None:
    t = tags(records)
    clean = records.filter(~pl.any_horizontal([t.list.contains(x) for x in NAME_TAGS]))
    assert clean.height > 1000
    assert (clean["given_name"] == clean["t_given_name"]).all()
    assert (clean["family_name"] == clean["t_family_name"]).all()


def test_nicknames_are_nicknames_of_the_true_name(records) -> None:
    df = only_name_tag(records, "nickname")
    assert df.height > 20
    for rec, true in zip(df["given_name"], df["t_given_name"], strict=False):
        assert rec in NICKNAMES[true]


def _hamming_one(a: str, b: str) -> bool:
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=False)) == 1


def _adjacent_swap(a: str, b: str) -> bool:
    diff = [i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y]
    return len(a) == len(b) and len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]


@pytest.mark.parametrize("tag, check", [("typo", _hamming_one), ("transposition", _adjacent_swap)])
def test_typos_and_transpositions(records, tag, check) -> None:
    df = only_name_tag(records, tag)
    assert df.height > 20
    for g, f, tg, tf in df.select(["given_name", "family_name", "t_given_name", "t_family_name"]).iter_rows():
        assert (check(g, tg) and f == tf) or (check(f, tf) and g == tg), (g, f, tg, tf)


def test_swapped_names(records) -> None:
    df = only_name_tag(records, "swapped_names")
    assert df.height > 5
    assert (df["given_name"] == df["t_family_name"]).all() and (df["family_name"] == df["t_given_name"]).all()


def test_changed_surnames_and_upper_case(records) -> None:
    df = only_name_tag(records, "old_surname")
    assert df.height > 20
    assert (df["family_name"] == df["t_birth_family_name"]).all()
    assert (df["family_name"] != df["t_family_name"]).all()
    up = only_name_tag(records, "upper_case")
    assert up.height > 20 and (up["family_name"] == up["t_family_name"].str.to_uppercase()).all()


def test_dates_of_birth_missing_partial_and_swapped(records) -> None:
    t = tags(records)
    assert records.filter(t.list.contains("dob_missing"))["date_of_birth"].null_count() == records.filter(t.list.contains("dob_missing")).height
    year = records.filter(t.list.contains("dob_partial_year"))
    assert year.height > 10 and (year["date_of_birth"] == year["t_date_of_birth"].str.slice(0, 4)).all()
    month = records.filter(t.list.contains("dob_partial_month"))
    assert month.height > 10 and (month["date_of_birth"] == month["t_date_of_birth"].str.slice(0, 7)).all()
    swapped = records.filter(t.list.contains("dob_day_month_swapped"))
    assert swapped.height > 10
    for value, fmt, true in swapped.select(["date_of_birth", "dob_format", "t_date_of_birth"]).iter_rows():
        got = datetime.strptime(value, fmt or "%Y-%m-%d").date()
        real = datetime.strptime(true, "%Y-%m-%d").date()
        assert (got.year, got.month, got.day) == (real.year, real.day, real.month)
    plain = records.filter(~t.list.contains("dob_missing") & ~t.list.contains("dob_partial_year")
                           & ~t.list.contains("dob_partial_month") & ~t.list.contains("dob_day_month_swapped") & ~t.list.contains("dob_digits_transposed")
                           & ~t.list.contains("charity_no_dob") & ~t.list.contains("dob_wrong"))
    for value, fmt, true in plain.head(3000).select(["date_of_birth", "dob_format", "t_date_of_birth"]).iter_rows():
        assert datetime.strptime(value, fmt or "%Y-%m-%d").date().isoformat() == true


def test_dates_of_birth_wholly_wrong(records) -> None:
    """``dob_wrong``: a full date no typo explains, within the range any living person's date falls in."""
    wrong = records.filter(tags(records).list.contains("dob_wrong"))
    assert 10 < wrong.height < 0.01 * records.height
    years_off = []
    for value, fmt, true in wrong.select(["date_of_birth", "dob_format", "t_date_of_birth"]).iter_rows():
        got = datetime.strptime(value, fmt or "%Y-%m-%d").date()
        assert "1940-01-01" <= got.isoformat() <= "2015-12-31"
        years_off.append(abs(got.year - int(true[:4])))
    assert sum(y >= 10 for y in years_off) > len(years_off) / 2  # most are a generation off, as FEBRL's are


def test_moved_addresses_abbreviations_and_town_names(records) -> None:
    t = tags(records)
    norm = pl.col("postcode").str.to_uppercase().str.replace_all(r"\s+", "").alias("pc")
    old = records.filter(t.list.contains("old_address")).with_columns(norm)
    assert old.height > 20
    assert (old["pc"] == old["t_previous_postcode"].str.replace_all(" ", "")).all()
    assert (old["address"] == old["t_previous_address"]).all()
    ab = records.filter(t.list.contains("address_abbrev"))
    assert ab.height > 50 and (ab["address"] != ab["t_address"]).all()
    assert ab["address"].str.contains(r" (St|Rd|Ave|Cl|Terr|Ln|Cres|Dr|Way|Pl|Ct|Gdns)$").all()
    tv = records.filter(t.list.contains("town_variant"))
    variants = {v for vs in TOWN_VARIANTS.values() for v in vs}
    assert tv.height > 10 and set(tv["town"].to_list()) <= variants
    pf = records.filter(t.list.contains("postcode_format") & ~t.list.contains("old_address")).with_columns(norm)
    assert pf.height > 10 and (pf["postcode"] != pf["t_postcode"]).all()
    assert (pf["pc"] == pf["t_postcode"].str.replace_all(" ", "")).all()


def test_street_name_aliases_are_police_knowledge(records) -> None:
    al = records.filter(tags(records).list.contains("alias"))
    assert al.height > 10
    assert al["aliases"].null_count() == 0
    assert set(al["source"].to_list()) <= {"gwent-police", "merseyside-police", "west-midlands-police", "met-police", "south-wales-police"}
    assert (al["t_exploited"] == "true").any() or al["t_ocg_role"].is_not_null().any()


def test_phones_in_many_forms_all_normalise_to_a_real_number(records) -> None:
    df = records.filter(pl.col("phone").is_not_null())
    styles = set()
    for phone, noise, own in df.select(["phone", "noise", "t_phones"]).iter_rows():
        e164 = phonenumbers.format_number(phonenumbers.parse(phone, "GB"), phonenumbers.PhoneNumberFormat.E164)
        if "parent_phone" not in noise:
            assert e164 in (own or "").split(";"), (phone, own)
        styles |= {x for x in noise.split(";") if x.startswith("phone_")}
    assert styles == {f"phone_{s}" for s in PHONE_STYLES}


def test_some_people_have_two_records_in_one_source(sim) -> None:
    pr = sim.truth("person_records.csv")
    dups = pr.group_by(["source", "person_id"]).len().filter(pl.col("len") > 1)
    assert dups.height > 10
    assert (pr["duplicate"] == "true").sum() == dups["len"].sum() - dups.height


# Issue 13 item 4: the phenomena a practitioner would link, planted and tagged.


def test_short_forms_are_forms_the_nickname_list_lacks(records) -> None:
    df = only_name_tag(records, "short_form")
    assert df.height > 20
    for rec, true in df.select("given_name", "t_given_name").iter_rows():
        assert rec in SHORT_FORMS[true] and rec not in NICKNAMES.get(true, ()), (rec, true)


def test_badly_mistyped_given_names_keep_the_date_and_family_name(records) -> None:
    df = only_name_tag(records, "bad_typo")
    assert df.height > 10
    for g, tg in df.select("given_name", "t_given_name").iter_rows():
        # QWERTY slips: the first letter and at most one other each a key next to the true one (Nrad for Brad)
        assert len(g) == len(tg) and g[0] != tg[0], (g, tg)
        wrong = [(x, y) for x, y in zip(g.lower(), tg.lower(), strict=True) if x != y]
        assert len(wrong) <= 2 and all(x in QWERTY[y] for x, y in wrong), (g, tg)
    assert (df["family_name"].str.to_lowercase() == df["t_family_name"].str.to_lowercase()).mean() > 0.8  # type: ignore[operator]


def test_day_digits_transposed(records) -> None:
    df = records.filter(tags(records).list.contains("dob_digits_transposed"))
    assert df.height > 5
    for value, true in df.select("date_of_birth", "t_date_of_birth").iter_rows():
        assert value[:8] == true[:8] and value[8:] == true[9] + true[8] and value != true


def test_records_holding_the_house_and_street_only(records) -> None:
    df = records.filter(tags(records).list.contains("no_area"))
    assert df.height > 20
    assert df["town"].null_count() == df.height and df["postcode"].null_count() == df.height
    assert df["address"].null_count() == 0
    assert records.filter(~tags(records).list.contains("no_area"))["postcode"].null_count() == 0


def test_charity_records_without_a_date_of_birth(records) -> None:
    df = records.filter(tags(records).list.contains("charity_no_dob"))
    assert df.height >= 5
    assert set(df["source"].to_list()) <= {"valleys-mentoring-trust", "street-sport-gwent", "safer-choices-wales"}
    assert df["date_of_birth"].null_count() == df.height
    assert (df["given_name"] == df["t_given_name"]).all() and (df["family_name"] == df["t_family_name"]).all()
    assert (df["address"] == df["t_address"]).all()
    for phone, own in df.select("phone", "t_phones").iter_rows():
        if phone is not None:
            e164 = phonenumbers.format_number(phonenumbers.parse(phone, "GB"), phonenumbers.PhoneNumberFormat.E164)
            assert e164 in (own or "").split(";")


def test_married_women_under_both_names_keep_date_and_address(records) -> None:
    df = only_name_tag(records, "old_surname")
    plain = df.filter(~tags(df).list.contains("old_address") & pl.col("date_of_birth").is_not_null())
    assert plain.height > 20
    assert (plain["address"] == plain["t_address"]).mean() > 0.6  # type: ignore[operator]  # some abbreviated
