""""Is this child known?": one new record matched against the current picture's nominals, without a rebuild.

The record is normalised as an import would (phone, postcode, partial date)
and prepared as the stage prepares every record. Candidates are the
picture's records that share a blocking key with it (the same rules the build
uses), found by one DuckDB scan of ``resolve_records.parquet`` reading only
the key columns; they are then scored with the picture's own model and term
frequencies, and grouped by nominal: the best pair speaks for its nominal,
with its explanation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from crossline.contract.dates import parse_partial_dates
from crossline.contract.phones import normalise_phone
from crossline.contract.postcodes import normalise_postcode
from crossline.errors import InvalidInput, NotFound
from crossline.stages.resolve.explain import lines, score_one_against
from crossline.stages.resolve.model import BLOCKS, LIST_BLOCKS, Params
from crossline.stages.resolve.prepare import PERSON_COLUMNS, PERSON_SCHEMA, SPLINK_COLUMNS, prepare

NEW_ID = -1  # the new record's unique_id: no picture record has it

@dataclass
class Candidate:
    nominal_id: str
    source: str
    record_id: str
    match_probability: float
    match_weight: float
    explanation: str
    records_in_nominal: int

    def reasons(self) -> list[str]:
        return lines(self.explanation, self.match_probability)


@dataclass
class KnownResult:
    known: bool  # a nominal reaches the link threshold
    link_probability: float
    candidates: list[Candidate] = field(default_factory=list)  # best first, one per nominal
    compared: int = 0  # picture records scored


def person_frame(record: dict[str, Any]) -> pl.DataFrame:
    """A contract persons row from loose fields, normalised as the importer does."""
    unknown = set(record) - set(PERSON_COLUMNS) - {"phone", "aliases", "other_ids"}
    if unknown:
        raise InvalidInput(f"unknown field(s) {', '.join(sorted(unknown))}; fields are {', '.join(PERSON_COLUMNS)}")
    row: dict[str, Any] = {c: None for c in PERSON_COLUMNS}
    row.update({k: v for k, v in record.items() if v not in (None, "", [])})
    row["source"] = row.get("source") or "query"
    row["record_id"] = row.get("record_id") or "new"
    if row.get("date_of_birth"):
        parsed = parse_partial_dates(pl.Series([str(row["date_of_birth"])]))
        if parsed["value"][0] is None:
            raise InvalidInput(f"date of birth {row['date_of_birth']!r} is no date: give YYYY-MM-DD, YYYY-MM or YYYY")
        row["date_of_birth"], row["date_of_birth_precision"] = parsed["value"][0], parsed["precision"][0]
    row["postcode"], row["postcode_is_uk"] = normalise_postcode(row.get("postcode"))
    for name in ("phone", "aliases", "other_ids"):
        values = row.get(name)
        if isinstance(values, str):
            values = [v.strip() for v in values.split(";") if v.strip()]
        if name == "phone" and values:
            values = [p for p in (normalise_phone(v) for v in values) if p]
        row[name] = json.dumps(values) if values else None
    return pl.DataFrame([row], schema=PERSON_SCHEMA)


def _candidate_sql(new: dict[str, Any]) -> tuple[str, list[Any]]:
    """Picture records sharing a blocking key with the new record: the build's own rules, in both orientations."""
    clauses, params = [], []
    for block in BLOCKS:
        for pairs in (block, tuple((b, a) for a, b in block)):  # the new record on the left, then on the right
            if all(new.get(a) is not None for a, _ in pairs):
                clauses.append("(" + " AND ".join(f"{b} = ?" for _, b in pairs) + ")")
                params += [new[a] for a, _ in pairs]
    for column in LIST_BLOCKS:
        if new.get(column):
            clauses.append(f"list_has_any({column}, ?)")
            params.append(list(new[column]))
    return " OR ".join(clauses), params


def match(picture: Path, record: dict[str, Any], link_probability: float, limit: int = 5) -> KnownResult:
    """Score ``record`` against the picture version in ``picture`` (a folder of Parquet tables)."""
    records_path = picture / "resolve_records.parquet"
    if not records_path.exists():
        raise NotFound("no resolved picture yet: build the picture first", next_step="build")
    model_row = pl.read_parquet(picture / "resolve_model.parquet").row(0, named=True)
    if not model_row["model"]:
        raise NotFound("the picture has no model yet (fewer than two person records): import more, then build", next_step="build")
    params: Params = json.loads(model_row["model"])
    new = prepare(person_frame(record)).with_columns(pl.lit(NEW_ID, dtype=pl.Int64).alias("unique_id"))
    where, args = _candidate_sql(new.row(0, named=True))
    result = KnownResult(known=False, link_probability=link_probability)
    if not where:
        return result
    con = duckdb.connect()
    try:
        # two passes: the keys alone to find candidates (few columns of a million rows), then their whole rows
        # (the table is sorted by unique_id, so Parquet row-group statistics skip most of it)
        ids = con.sql(f"SELECT unique_id FROM read_parquet(?) WHERE {where}", params=[str(records_path), *args]).fetchall()
        if not ids:
            return result
        wanted = sorted(i for (i,) in ids)
        found = con.sql(
            "SELECT * FROM read_parquet(?) WHERE unique_id BETWEEN ? AND ? AND list_contains(?, unique_id)",
            params=[str(records_path), wanted[0], wanted[-1], wanted],
        ).to_arrow_table()
        candidates = pl.from_arrow(found)
        assert isinstance(candidates, pl.DataFrame)
        if candidates.height == 0:
            return result
        result.compared = candidates.height
        nominal_of = candidates.select("unique_id", "nominal_id", "source", "record_id")
    finally:
        con.close()
    tf = pl.read_parquet(picture / "resolve_tf.parquet")
    explained = score_one_against(new.select(SPLINK_COLUMNS), candidates.select(SPLINK_COLUMNS), params, tf)
    other = pl.when(pl.col("a") == NEW_ID).then(pl.col("b")).otherwise(pl.col("a"))
    ranked = (
        explained.with_columns(other.alias("unique_id"))
        .join(nominal_of, on="unique_id")
        .sort(["match_probability", "source", "record_id"], descending=[True, False, False])
        .unique("nominal_id", keep="first", maintain_order=True)
        .head(limit)
    )
    sizes = pl.read_parquet(picture / "nominals.parquet", columns=["nominal_id"]).filter(
        pl.col("nominal_id").is_in(ranked["nominal_id"].implode())
    ).group_by("nominal_id").len()
    ranked = ranked.join(sizes, on="nominal_id", how="left")
    result.candidates = [
        Candidate(r["nominal_id"], r["source"], r["record_id"], r["match_probability"], r["match_weight"],
                  r["explanation"], int(r["len"] or 1))
        for r in ranked.iter_rows(named=True)
    ]
    result.known = bool(result.candidates) and result.candidates[0].match_probability >= link_probability
    return result
