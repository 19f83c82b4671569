"""SQL as named steps: what each step reads comes from its SQL, and every step reads only what precedes it."""

from __future__ import annotations

import pytest

from crossline.engine.steps import Step, StepError, check_order, read_by_several, reads
from crossline.settings.lines import LinesSettings
from crossline.stages.lines.sql import (
    FEATURE_OUTPUTS,
    LINE_OUTPUTS,
    PHASE_ONE_GIVEN,
    PHASE_TWO_GIVEN,
    READ_BY_PHASE_TWO,
    feature_steps,
    line_steps,
)


def test_reads_finds_tables_in_joins_and_subqueries_but_not_ctes() -> None:
    sql = """WITH x AS (SELECT a FROM t1)
             SELECT m.line_id FROM ends e JOIN line_map m ON e.number = m.number JOIN x ON 1 = 1
             WHERE e.a IN (SELECT a FROM t2)"""
    assert reads(sql) == {"t1", "t2", "ends", "line_map"}


def test_every_lines_step_reads_only_earlier_steps() -> None:
    s = LinesSettings()
    phase_one = feature_steps(s, [2026])
    check_order(phase_one, PHASE_ONE_GIVEN)
    check_order(line_steps(s), [*PHASE_ONE_GIVEN, *(st.name for st in phase_one), *PHASE_TWO_GIVEN])
    names = {st.name for st in phase_one}
    assert set(FEATURE_OUTPUTS) <= names and set(READ_BY_PHASE_TWO) <= names
    assert set(LINE_OUTPUTS) <= {st.name for st in line_steps(s)}
    # phase two reads exactly the phase-one steps declared for it (and nothing else of phase one)
    read_later = set().union(*(reads(st.sql) for st in line_steps(s))) & names
    assert read_later == set(READ_BY_PHASE_TWO)


def test_a_step_that_reads_a_later_step_is_refused() -> None:
    steps = [Step("b", "SELECT * FROM a"), Step("a", "SELECT * FROM ev")]
    with pytest.raises(StepError, match="'b' reads a"):
        check_order(steps, ["ev"])
    with pytest.raises(StepError, match="named twice"):
        check_order([Step("ev", "SELECT 1")], ["ev"])


def test_steps_read_by_two_later_steps() -> None:
    steps = [Step("a", "SELECT * FROM ev"), Step("b", "SELECT * FROM a"), Step("c", "SELECT * FROM a JOIN b ON 1 = 1")]
    assert read_by_several(steps) == {"a"}


def test_the_lines_steps_read_the_lake_in_two_passes() -> None:
    """The first pass (two filtered branches of one aggregate, each end once: cheaper than GROUPING SETS, docs/lines.md)
    and one pass over the candidate superset's traffic: any other reader would be another scan of 100 M rows."""
    import sqlglot
    from sqlglot import exp

    steps = feature_steps(LinesSettings(), [2026])

    def mentions(st: Step, table: str) -> int:
        return sum(1 for t in sqlglot.parse_one(st.sql, read="duckdb").find_all(exp.Table) if t.name == table)

    readers = {st.name: (mentions(st, "ev"), st.keep) for st in steps if mentions(st, "ev")}
    assert readers == {"lake_days": (2, True), "sev": (1, True)}


def test_the_day_fold_reads_each_chunk_once_per_end_and_never_the_whole_lake() -> None:
    """The first pass by chunks of days (sql.lake_days_fold): each chunk's view twice (texts by sender, contacts by
    receiver) and the chunk before's part for its carry; its `lake_days` replaces the whole-lake one."""
    import sqlglot
    from sqlglot import exp

    from crossline.stages.lines.sql import chunk_view, lake_days_fold

    chunks = [(20605, 20605), (20606, 20607), (20608, 20608)]
    steps = lake_days_fold(LinesSettings(), [2026], chunks)
    check_order(steps, [chunk_view(c) for c in chunks])

    def mentions(st: Step) -> list[str]:
        return sorted(t.name for t in sqlglot.parse_one(st.sql, read="duckdb").find_all(exp.Table))

    by_name = {st.name: mentions(st) for st in steps}
    assert by_name["lake_part_0"] == ["ev_20605", "ev_20605"]
    assert by_name["lake_part_1"] == ["ev_20606", "ev_20606", "lake_part_0", "lake_part_0"]
    assert by_name["lake_part_2"] == ["ev_20608", "ev_20608", "lake_part_1", "lake_part_1"]
    assert [st.name for st in steps][-2:] == ["lake_strays", "lake_days"]
    assert not any("ev" in names for names in by_name.values())
    rest = [st for st in feature_steps(LinesSettings(), [2026]) if st.name != "lake_days"]
    check_order(rest, [*PHASE_ONE_GIVEN, *by_name])
    with pytest.raises(ValueError, match="consecutive"):
        lake_days_fold(LinesSettings(), [2026], [(20605, 20605), (20607, 20607)])
