"""crossline.toml is checked once, when it loads: every problem at once, each naming the file, the table and the key."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from crossline.errors import ConfigurationError
from crossline.settings import SECTIONS, Settings, load, parse, render_toml
from crossline.workspace import init_workspace, open_workspace

CASES = [
    # (what is wrong, the toml, what the message says)
    ("a bool where a number belongs", "[lines]\nmin_burst = true\n", "[lines] min_burst: should be a whole number, not true"),
    ("a value outside its choices", '[risk]\nalert_band = "purple"\n', "[risk] alert_band: should be one of 'high' or 'very_high', not 'purple'"),
    ("a misspelt table", "[line]\nmin_burst = 3\n", "[line]: unknown table (did you mean [lines]?)"),
    ("a misspelt key", "[risk]\nmin_agee = 9\n", "[risk] min_agee: unknown setting (did you mean min_age?)"),
    ("an unknown top-level key", "treads = 2\n", "treads: unknown setting (did you mean threads?)"),
    ("text where a number belongs", '[resolve]\nlink_probability = "high"\n', "[resolve] link_probability: should be a number, not \"high\""),
    ("a number where text belongs", "duckdb_memory_limit = 4\n", "duckdb_memory_limit: should be text in quotes, not 4"),
    ("a bool where a float belongs", "[risk]\nhalf_life_days = false\n", "[risk] half_life_days: should be a number, not false"),
    ("values that contradict each other", "[lines]\ndistance_near_km = 30.0\n", "distance_far_km must be greater than distance_near_km"),
    ("a key where a table belongs", "risk = 3\n", "risk: should be a table [risk], not 3"),
]


@pytest.mark.parametrize(("what", "toml", "message"), CASES, ids=[c[0] for c in CASES])
def test_each_problem_names_the_table_and_key(what: str, toml: str, message: str, tmp_path: Path) -> None:
    path = tmp_path / "crossline.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigurationError) as caught:
        load(path)
    assert message in str(caught.value), what
    assert str(path) in str(caught.value)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = tmp_path / "crossline.toml"
    path.write_text('[lines]\nmin_burst = true\n[risk]\nalert_band = "purple"\n[line]\nx = 1\n', encoding="utf-8")
    with pytest.raises(ConfigurationError, match="3 problem") as caught:
        load(path)
    for part in ("[lines] min_burst", "[risk] alert_band", "[line]: unknown table"):
        assert part in str(caught.value)


def test_an_int_is_a_float_and_values_are_typed() -> None:
    s = parse({"risk": {"half_life_days": 90}, "lines": {"engine": "spark"}, "threads": 2})
    assert s.risk.half_life_days == 90.0 and isinstance(s.risk.half_life_days, float)
    assert s.lines.engine == "spark" and s.threads == 2
    assert s.resolve == Settings().resolve  # absent tables keep their defaults


def test_a_bad_setting_stops_the_workspace_opening_not_the_build(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "ws")
    ws.close()
    with (tmp_path / "ws" / "crossline.toml").open("a", encoding="utf-8") as f:
        f.write('\n[risk]\nalert_band = "purple"\n')
    with pytest.raises(ConfigurationError, match="alert_band"):
        open_workspace(tmp_path / "ws")


def test_the_written_file_loads_back_to_the_defaults_and_names_every_section() -> None:
    text = render_toml({"database_url": "postgresql://u@h/db"})
    assert parse(tomllib.loads(text)) == Settings(database_url="postgresql://u@h/db")
    assert set(SECTIONS) >= {"resolve", "lines", "risk"}
