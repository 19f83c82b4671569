"""What the resolve tests share besides fixtures: the resolved scenario's handle, a settings helper, a level evaluator.

A module of its own (not conftest) so that tests import it by a name no other test folder uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from crossline.store import picture as picture_store
from crossline.workspace import Workspace


@dataclass
class Resolved:
    ws: Workspace
    sim: Path  # simulator output: bundle/ and truth/
    model: Path  # the model this build trained, saved for tests that rebuild small workspaces quickly
    exports: Path

    def table(self, name: str) -> pl.DataFrame:
        path = picture_store.current_table(self.ws.engine, self.ws.path, name)
        assert path is not None, name
        return pl.read_parquet(path)

    def nominal(self, source: str, record_id: str) -> str:
        frame = self.table("nominals").filter((pl.col("source") == source) & (pl.col("record_id") == record_id))
        assert frame.height == 1, (source, record_id)
        return str(frame["nominal_id"][0])


def use_settings(ws: Workspace, **values: object) -> Workspace:
    """Append a [resolve] table to the workspace's crossline.toml and reopen it."""
    from crossline.workspace import open_workspace

    lines = ["", "[resolve]"] + [f"{k} = {repr(v) if not isinstance(v, str) else chr(34) + v + chr(34)}"
                                 for k, v in values.items()]
    config = ws.path / "crossline.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n".join(lines) + "\n", encoding="utf-8")
    ws.close()
    return open_workspace(ws.path)


def first_level(comparison: dict[str, object], left: dict[str, object], right: dict[str, object]) -> str:
    """The label of the first level of a DuckDB comparison that holds for the pair (left, right)."""
    row = {f"{k}_l": v for k, v in left.items()} | {f"{k}_r": v for k, v in right.items()}
    con = duckdb.connect()
    con.register("pair", pl.DataFrame([row]).to_arrow())
    for level in comparison["comparison_levels"]:  # type: ignore[attr-defined]
        sql = level["sql_condition"]
        if sql == "ELSE" or con.execute(f"SELECT coalesce(({sql}), false) FROM pair").fetchall()[0][0]:
            return str(level["label_for_charts"])
    raise AssertionError("no level held")


def name_and_home_params() -> dict[str, object]:
    """A model whose every field weighs 0 bits but an exact given name, an exact family name and the same address
    and postcode: what the rules that take back a name and a home (middle names, namesakes) take back."""
    from crossline.stages.resolve.model import params_from_splink, settings_creator

    duck = settings_creator("duckdb").create_settings_dict("duckdb")
    for c in duck["comparisons"]:
        for lv in c["comparison_levels"]:
            lv["m_probability"], lv["u_probability"] = 0.5, 0.5
    params = params_from_splink({**duck, "probability_two_random_records_match": 1e-4})
    params["levels"]["given_name"]["exact"] = {"m": 0.8, "u": 1e-3}
    params["levels"]["family_name"]["exact"] = {"m": 0.8, "u": 1e-3}
    params["levels"]["location"]["same address and postcode"] = {"m": 0.6, "u": 1e-4}
    return params


def evidence_counts(frame: pl.DataFrame, sql_for: object) -> list[dict[str, object]]:
    """A guard's evidence query (``sql_for(table, dialect)``) run on prepared records, rows sorted by kind and shared."""
    con = duckdb.connect()
    con.register("people", frame.to_arrow())
    cursor = con.execute(sql_for("people", "duckdb"))  # type: ignore[operator]
    names = [d[0] for d in cursor.description]
    return sorted((dict(zip(names, row, strict=True)) for row in cursor.fetchall()), key=lambda r: (r["kind"], r["shared"]))
