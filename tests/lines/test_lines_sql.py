"""The first lake pass groups on a hash of each number: a superset, never a loss, and the same results.

``lake_days`` counts per *hash* of a number, so numbers that share a hash add
their counts and may pass together; ``sev`` keeps their traffic and the exact
counts are taken again there on the numbers themselves. These tests force the
worst case by swapping the 64-bit hash for one with three values (every number
collides with a third of the others) and compare against the real hash and
against grouping on the numbers themselves (the string path the hash replaced).
From ``sev`` on, numbers are the BIGINT of their digits: the last tests check
that this key is exact and reversible for every number the importer can write.
"""

from __future__ import annotations

import re
from datetime import timedelta

import duckdb
import phonenumbers
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from crossline.engine.duck import DuckEngine, connect
from crossline.engine.steps import Step
from crossline.settings import Settings
from crossline.settings.lines import LinesSettings
from crossline.stages.lines.sql import FEATURE_OUTPUTS, feature_steps, number_key, number_text, years_of
from lines_comms import CELLS, DAYS, KINDS, MARKET, Comms, at, deal_line, num, quiet_line, taxi_dispatch, to_lake

LOOKED_AT = ("sender_days", "order_takers", "bursts", "spread_senders", "candidates", *FEATURE_OUTPUTS)


def _with_hash(steps: list[Step], hashing: str) -> list[Step]:
    """The steps with ``hash(x)`` written as ``hashing`` (``{x}`` stands for the column)."""
    swap = re.compile(r"\bhash\(([\w.]+)\)")
    out = [Step(st.name, swap.sub(lambda m: hashing.format(x=m.group(1)), st.sql), st.keep) for st in steps]
    changed = sum(st.sql != old.sql for st, old in zip(out, steps, strict=True))
    assert changed == (0 if hashing == "hash({x})" else 2)  # lake_days and sev: the only steps that hash
    return out


def _run(paths: list[str], hashing: str) -> dict[str, pl.DataFrame]:
    """The feature steps on DuckDB with ``hashing``; each table sorted on every column (engines give no order)."""
    engine = DuckEngine(connect(Settings()))
    try:
        engine.load_comms(paths)
        engine.register("cells", CELLS.select("cell_id", "lat", "lon"))
        engine.run(_with_hash(feature_steps(LinesSettings(), years_of(paths)), hashing))
        got = {name: engine.fetch(name) for name in (*LOOKED_AT, "supers", "sev")}
    finally:
        engine.close()
    return {k: v.sort(v.columns, nulls_last=True) for k, v in got.items()}


def near_misses(c: Comms) -> tuple[str, str, str, str]:
    """Numbers on either side of each threshold, whose counts add up past it when their hashes collide.

    Returns (a 14-texts-a-day sender, a number taking 4 short contacts a day, a number taking 5 short contacts
    on just 2 days, a number taking 3 short contacts a day each sent twice (the lake holds the row twice)).
    """
    texter, taker, two_days, doubled = num("7730", 1), num("7730", 2), num("7730", 3), num("7730", 4)
    friends = [num("7731", i) for i in range(40)]
    for d in DAYS:
        for i in range(14):  # min_burst (15) less one, in a run a second apart: no burst, no spread, no sender-day
            c.text(texter, friends[i], at(d, 9) + timedelta(seconds=i))
        for i in range(4):  # quiet_min_contacts (5) less one
            c.text(friends[20 + i], taker, at(d, 14, i))
        for i in range(3):
            c.text(friends[30 + i], doubled, at(d, 15, i))
            c.text(friends[30 + i], doubled, at(d, 15, i))  # the same event again: counted as the lake counts it
    for d in (2, 9):  # quiet_min_days (3) less one
        for i in range(5):
            c.call(friends[i], two_days, at(d, 16, i), 30)
    return texter, taker, two_days, doubled


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], tuple[str, str, str, str], list[str]]:
    c = Comms()
    customers = [num("7712", i) for i in range(30)]
    runners = [num("7713", 1), num("7713", 2)]
    deal_line(c, num("7711", 1), customers, range(0, 12), "350000000000011", runners, check_ins=True)
    deal_line(c, num("7711", 2), customers[:24], range(12, 21), "350000000000011", runners, check_ins=True)
    quiet_line(c, num("7711", 3), [num("7720", i) for i in range(25)], DAYS, None, [num("7713", 3)], check_ins=True)
    for i, make in enumerate(KINDS.values()):
        if make is not taxi_dispatch:
            make(c, num("7714", i + 1))
    taxi_dispatch(c, num("7714", 9))
    c.text(num("7712", 0), num("7711", 1), at(3, 13, 1), a_cell=MARKET[1][0])
    near = near_misses(c)
    paths = to_lake(c.frame(), tmp_path_factory.mktemp("hash") / "lake" / "comms.parquet")
    return paths, near, [num("7711", 1), num("7711", 2), num("7711", 3)]


@pytest.fixture(scope="module")
def runs(scenario: tuple[list[str], tuple[str, str, str, str], list[str]]) -> dict[str, dict[str, pl.DataFrame]]:
    paths = scenario[0]
    return {
        "hash": _run(paths, "hash({x})"),
        "colliding": _run(paths, "(hash({x}) % 3)"),  # three buckets: a third of all numbers share each
        "strings": _run(paths, "{x}"),  # the numbers themselves: the pass before hashing
    }


def test_colliding_hashes_only_widen_the_superset(runs: dict[str, dict[str, pl.DataFrame]]) -> None:
    """With three buckets the first pass lets through far more traffic than with the real hash."""
    assert runs["colliding"]["supers"].height <= 3
    assert runs["colliding"]["sev"].height > runs["hash"]["sev"].height
    assert runs["hash"]["sev"].height >= runs["strings"]["sev"].height


@pytest.mark.parametrize("variant", ["colliding", "strings"])
@pytest.mark.parametrize("table", LOOKED_AT)
def test_the_same_tables_whatever_the_hash(runs: dict[str, dict[str, pl.DataFrame]], variant: str, table: str) -> None:
    assert runs["hash"][table].height > 0
    assert_frame_equal(runs[variant][table], runs["hash"][table], check_exact=True)


def _key(number: str) -> int:
    """A number as the steps after the first pass hold it (sql.number_key)."""
    return int(number.removeprefix("+"))


def test_every_line_is_a_candidate_and_no_near_miss_is(
    runs: dict[str, dict[str, pl.DataFrame]], scenario: tuple[list[str], tuple[str, str, str, str], list[str]],
) -> None:
    """The exact recount: lines pass, numbers just under a threshold do not, even when their hashes collide."""
    _, near, line_numbers = scenario
    texter, taker, two_days, doubled = (_key(n) for n in near)
    lines = {_key(n) for n in line_numbers}
    for variant in ("hash", "colliding"):
        candidates = set(runs[variant]["candidates"]["number"])
        assert lines <= candidates
        assert not {texter, taker, two_days} & candidates
        # three texts a day, each in the lake twice: six rows a day, so an order taker as the lake counts rows
        assert doubled in set(runs[variant]["order_takers"]["b"])
        assert texter not in set(runs[variant]["sender_days"]["a"])


def test_every_possible_number_fits_the_integer_key() -> None:
    """The longest numbers ``phonenumbers`` judges possible, from every country code, stay below 2^63.

    Numbers travel as the BIGINT of their digits (sql.number_key); a metadata update that allowed longer numbers
    would break that, and this test says so before any lake does.
    """
    metadata = [phonenumbers.PhoneMetadata.metadata_for_region(r) for r in phonenumbers.SUPPORTED_REGIONS]
    metadata += [phonenumbers.PhoneMetadata.metadata_for_nongeo_region(c) for c in phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS]
    longest = 0
    for meta in metadata:
        assert meta is not None
        lengths = meta.general_desc.possible_length or ()
        if lengths:
            longest = max(longest, int(str(meta.country_code) + "9" * max(lengths)))
    assert 10**17 < longest < 2**63


@pytest.mark.parametrize("number", ["+447700900123", "+8199999999999999999", "+6299999999999999999", "+12025550123"])
def test_number_keys_go_back_to_the_same_text(number: str) -> None:
    con = duckdb.connect()
    try:
        got = con.execute(f"SELECT {number_text(number_key('x'))}, {number_key('x')} FROM (SELECT ? AS x)", [number]).fetchall()
    finally:
        con.close()
    assert got == [(number, _key(number))]


def test_a_number_that_is_not_e164_fails_loudly() -> None:
    """The importer writes E.164 only; anything else in a lake is an error to see, never a silent wrong key."""
    con = duckdb.connect()
    try:
        with pytest.raises(duckdb.ConversionException):
            con.execute(f"SELECT {number_key('x')} FROM (SELECT 'withheld' AS x)").fetchall()
    finally:
        con.close()
