"""Normalisers: phones in every UK form, postcodes, dates; the vectorised forms agree with the scalar ones."""

from __future__ import annotations

import datetime as dt

import phonenumbers
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossline.contract.dates import parse_datetimes, parse_partial_dates
from crossline.contract.phones import _fast_path, normalise_phone, normalise_phones
from crossline.contract.postcodes import normalise_postcode, normalise_postcodes

MOBILE_PREFIXES = ["771", "772", "773", "774", "775", "776", "777", "780", "781", "784", "785", "786", "787", "788",
                   "789", "794", "795", "796", "797", "798", "799"]


@st.composite
def uk_mobile(draw: st.DrawFn) -> tuple[str, str]:
    """(a UK mobile written as people write it, its E.164 form)."""
    prefix = draw(st.sampled_from(MOBILE_PREFIXES))
    rest = draw(st.text("0123456789", min_size=7, max_size=7))
    national = prefix + rest  # 10 digits: 7xx + 7 digits
    e164 = "+44" + national
    a, b = national[:4], national[4:]
    forms = [
        f"0{national}", f"0{a} {b}", f"(0{a}) {b[:3]} {b[3:]}", f"+44 {a} {b}", f"+44{national}", f"44{national}",
        f"0044 {a} {b}", f"+44 (0){a} {b}", f"0{a}-{b[:3]}-{b[3:]}", f" 0{a}.{b} ", f"+44-{a}-{b}",
    ]
    return draw(st.sampled_from(forms)), e164


@given(uk_mobile())
def test_every_uk_mobile_form_normalises_to_e164(case: tuple[str, str]) -> None:
    raw, e164 = case
    assert normalise_phone(raw) == e164
    assert normalise_phones(pl.Series([raw])).to_list() == [e164]


@given(uk_mobile())
def test_uk_mobiles_as_people_write_them_take_the_fast_path(case: tuple[str, str]) -> None:
    """Hyphens, brackets and dots between digit groups never send a mobile to the per-value authority (bulk speed)."""
    raw, e164 = case
    assert pl.select(_fast_path(pl.lit(raw))).item() == e164


@settings(max_examples=300)
@given(st.lists(st.one_of(st.text("0123456789 +().-", max_size=16), uk_mobile().map(lambda c: c[0])), max_size=30))
def test_vectorised_phones_agree_with_the_phonenumbers_authority(values: list[str]) -> None:
    assert normalise_phones(pl.Series(values, dtype=pl.String)).to_list() == [normalise_phone(v) for v in values]


@pytest.mark.parametrize(
    "raw, want",
    [
        ("029 2034 5678", "+442920345678"),  # Cardiff landline
        ("01633 123456", "+441633123456"),  # Newport landline
        ("+33 6 12 34 56 78", "+33612345678"),  # French mobile
        ("07700 900123", "+447700900123"),  # Ofcom drama range: possible, so accepted
        ("447733345678", "+447733345678"),  # international without its plus
        ("12", None),
        ("call me", None),
        ("", None),
        (None, None),
    ],
)
def test_phone_cases(raw: str | None, want: str | None) -> None:
    assert normalise_phone(raw) == want


def test_possible_not_valid_numbers_are_accepted() -> None:
    number = phonenumbers.parse("07700 900123", "GB")
    assert not phonenumbers.is_valid_number(number) and normalise_phone("07700 900123") == "+447700900123"


INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


@st.composite
def uk_postcode(draw: st.DrawFn) -> str:
    area = draw(st.sampled_from(["NP", "CF", "L", "B", "M", "E", "SW", "EC", "W"]))
    district = str(draw(st.integers(1, 44)))
    inward = str(draw(st.integers(0, 9))) + draw(st.text(INWARD_LETTERS, min_size=2, max_size=2))
    return area + district + inward


@given(uk_postcode(), st.sampled_from(["{o} {i}", "{o}{i}", " {o}  {i} ", "{lo} {li}"]))
def test_uk_postcodes_any_spacing_or_case(code: str, form: str) -> None:
    outward, inward = code[:-3], code[-3:]
    raw = form.format(o=outward, i=inward, lo=outward.lower(), li=inward.lower())
    assert normalise_postcode(raw) == (f"{outward} {inward}", True)
    frame = normalise_postcodes(pl.Series([raw]))
    assert frame.row(0) == (f"{outward} {inward}", True)


@pytest.mark.parametrize(
    "raw, want",
    [("75001", ("75001", False)), (" d02 x285 ", ("D02 X285", False)), ("NP20 1CB", ("NP20 1CB", False)),
     ("", (None, False)), ("GIR 0AA", ("GIR 0AA", True))],
)
def test_postcodes_that_are_not_uk_are_kept_and_marked(raw: str, want: tuple[str | None, bool]) -> None:
    assert normalise_postcode(raw) == want
    assert normalise_postcodes(pl.Series([raw])).row(0) == (want[0], want[1] if want[0] else None)


@given(st.dates(dt.date(1900, 1, 1), dt.date(2030, 12, 31)))
def test_full_dates_in_iso_and_mapped_formats(day: dt.date) -> None:
    iso = parse_partial_dates(pl.Series([day.isoformat()]))
    assert iso.row(0) == (day.isoformat(), "day")
    mapped = parse_partial_dates(pl.Series([day.strftime("%d/%m/%Y")]), "%d/%m/%Y")
    assert mapped.row(0) == (day.isoformat(), "day")


@given(st.integers(1900, 2030), st.integers(1, 12))
def test_partial_dates_stay_partial_even_with_a_mapped_format(year: int, month: int) -> None:
    frame = parse_partial_dates(pl.Series([str(year), f"{year}-{month:02d}"]), "%d/%m/%Y")
    assert frame.rows() == [(str(year), "year"), (f"{year}-{month:02d}", "month")]


@pytest.mark.parametrize("raw", ["2009-02-30", "31/02/2009", "2009-13", "soon", "20090314x"])
def test_impossible_dates_are_refused(raw: str) -> None:
    assert parse_partial_dates(pl.Series([raw]), "%d/%m/%Y").row(0) == (None, None)


@given(st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2035, 12, 31)), st.sampled_from(["Z", "+00:00", "+01:00", "-05:00"]))
def test_aware_datetimes_become_utc(moment: dt.datetime, offset: str) -> None:
    moment = moment.replace(microsecond=0)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S") + offset
    tz = dt.UTC if offset in ("Z", "+00:00") else dt.timezone(dt.timedelta(hours=int(offset[:3])))
    want = moment.replace(tzinfo=tz).astimezone(dt.UTC)
    got = parse_datetimes(pl.Series([text]))["value"][0]
    assert got == want


@pytest.mark.parametrize(
    "raw, want",
    [
        ("2026-10-03T12:30:00", "2026-10-03T11:30:00Z"),  # BST: naive is Europe/London
        ("2026-12-03T12:30:00", "2026-12-03T12:30:00Z"),  # GMT
        ("2026-10-05 17:00:01", "2026-10-05T16:00:01Z"),
        ("2026-10-05T18:00:00+01:00", "2026-10-05T17:00:00Z"),
        ("2026-10-05T17:00:00.750Z", "2026-10-05T17:00:00Z"),  # to the second
    ],
)
def test_naive_datetimes_are_read_as_london_time(raw: str, want: str) -> None:
    got = parse_datetimes(pl.Series([raw]))["value"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")[0]
    assert got == want


def test_a_date_alone_is_accepted_only_where_the_contract_allows_it() -> None:
    assert parse_datetimes(pl.Series(["2026-10-05"]))["value"][0] is None
    allowed = parse_datetimes(pl.Series(["2026-10-05"]), allow_date=True)
    assert allowed["date_only"][0] is True and allowed["value"][0] is not None
