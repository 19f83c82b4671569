"""Why two records were (or were not) taken for one person, field by field, in plain words.

A pair is re-scored with the model keeping Splink's comparison levels
(``gamma_*``), so each field's line says which level it fell in (its label),
the values on each side, and how much it weighed in bits (log2 of the Bayes
factor, term-frequency adjustment included). The lines, the prior and the
total are what ``crossline review`` prints and what the web pages will show.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa
from splink import DuckDBAPI, Linker

from crossline.stages.resolve.model import DESCRIPTIONS, Params, base_settings, prior_weight, splink_settings

# What each comparison shows of a record, as prepared (prepare.SPLINK_COLUMNS).
DISPLAY: dict[str, pl.Expr] = {
    "given_name": pl.col("given_name"),
    "family_name": pl.col("family_name"),
    "date_of_birth": pl.concat_str(["dob_year", "dob_month", "dob_day"], separator="-", ignore_nulls=True),
    "sex": pl.col("sex"),
    "location": pl.concat_str(["address", "postcode", "town"], separator=", ", ignore_nulls=True),
    "phone": pl.col("phones").list.join(" "),
    "pnc": pl.col("pnc"),
    "nhs": pl.col("nhs"),
    "upn": pl.col("upn"),
    "other_ids": pl.col("other_ids").list.join(" "),
    "aliases": pl.col("aliases").list.join(" "),
    "twin_guard": pl.concat_str(
        [pl.col("given_name"), pl.concat_str(["dob_year", "dob_month", "dob_day"], separator="-", ignore_nulls=True)],
        separator=", ", ignore_nulls=True,
    ),
    "practitioner": pl.concat_str(
        [pl.col("given_name"), pl.col("family_name"),
         pl.concat_str(["dob_year", "dob_month", "dob_day"], separator="-", ignore_nulls=True), pl.col("phones").list.join(" ")],
        separator=", ", ignore_nulls=True,
    ),
    # the name, the date and the home: what the namesakes guard looked at
    "namesake_guard": pl.concat_str(
        [pl.col("given_name"), pl.concat_str(["dob_year", "dob_month", "dob_day"], separator="-", ignore_nulls=True),
         pl.col("postcode")],
        separator=", ", ignore_nulls=True,
    ),
    # the middle names and the date (or its absence, which is why the rule looked), blanks left out
    "middle_name": pl.concat_str(
        [pl.col("middle_names").list.join(" ").replace("", None),
         pl.concat_str(["dob_year", "dob_month", "dob_day"], separator="-", ignore_nulls=True).replace("", None)],
        separator=", ", ignore_nulls=True,
    ),
}

GUARDS = ("twin_guard", "namesake_guard")  # comparisons that take back what others gave: they never "disagree"


def levels_by_gamma(params: Params, dialect: str = "duckdb") -> dict[str, tuple[str, dict[int, str]]]:
    """comparison -> (description, {gamma: level label}); gamma -1 is the null level, 0 the last (else) level."""
    settings = base_settings(dialect, params.get("twin_guard", True))  # read only
    out: dict[str, tuple[str, dict[int, str]]] = {}
    for comparison in settings["comparisons"]:
        levels = comparison["comparison_levels"]
        non_null = [lv for lv in levels if not lv.get("is_null_level")]
        table = {-1: next((lv["label_for_charts"] for lv in levels if lv.get("is_null_level")), "missing")}
        for i, lv in enumerate(non_null):
            table[len(non_null) - 1 - i] = lv["label_for_charts"]
        name = comparison["output_column_name"]
        out[name] = (DESCRIPTIONS.get(name, name), table)
    return out


def _display(records: pl.DataFrame) -> pl.DataFrame:
    return records.select(["unique_id", *[expr.alias(name) for name, expr in DISPLAY.items()]])


TF_COLUMNS = ("given_name",)  # the comparisons with term-frequency adjustments (model.given_name)


def term_frequencies(records: pl.DataFrame) -> pl.DataFrame:
    """Share of records holding each name (Splink's term frequency), kept so that a few pairs can be scored later."""
    parts = []
    for column in TF_COLUMNS:
        held = records.filter(pl.col(column).is_not_null())
        parts.append(
            held.group_by(column).len().select(
                pl.lit(column).alias("column"), pl.col(column).alias("value"), (pl.col("len") / held.height).alias("tf")
            )
        )
    return pl.concat(parts).sort("column", "value")


def score_pairs(
    records: pl.DataFrame, pairs: pl.DataFrame, params: Params, tf: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Score exactly these pairs (``a, b`` record indexes) with the model, keeping each field's level.

    Only the records in the pairs go to DuckDB; term frequencies come from
    ``tf`` (computed over all records by ``term_frequencies``), so a few pairs
    score the same as in the build without touching a million rows.
    """
    ids = pl.concat([pairs["a"], pairs["b"]]).unique()
    needed = records.filter(pl.col("unique_id").is_in(ids.implode()))
    con = duckdb.connect()
    try:
        api = DuckDBAPI(con)
        sdf = api.register(needed.to_arrow(), table_name="explain_records")
        settings = splink_settings("duckdb", params)
        settings["retain_matching_columns"] = True
        settings["retain_intermediate_calculation_columns"] = True
        linker = Linker(sdf, settings, log_level=logging.ERROR, validate_settings=False)  # the model is ours
        for column in TF_COLUMNS:
            lookup = tf.filter(pl.col("column") == column).select(
                pl.col("value").alias(column), pl.col("tf").alias(f"tf_{column}"))
            if lookup.height:
                linker.table_management.register_term_frequency_lookup(
                    api.register(lookup.to_arrow(), table_name=f"explain_tf_{column}"), column)
        blocked = pairs.select(
            pl.lit("0").alias("match_key"),
            pl.min_horizontal("a", "b").alias("join_key_l"),
            pl.max_horizontal("a", "b").alias("join_key_r"),
        ).unique()
        linker.table_management.register_blocked_pairs_for_predict(api.register(blocked.to_arrow(), table_name="explain_pairs"))
        out = linker.inference.predict(warning_mode="never").as_duckdbpyrelation().arrow()
        scored = pl.from_arrow(out.read_all() if isinstance(out, pa.RecordBatchReader) else out)
    finally:
        con.close()
    assert isinstance(scored, pl.DataFrame)
    return scored, needed


def with_tf(records: pl.DataFrame, tf: pl.DataFrame) -> pl.DataFrame:
    """Add the ``tf_<column>`` values Splink reads for term-frequency adjustments (null: a name never seen)."""
    for column in TF_COLUMNS:
        lookup = tf.filter(pl.col("column") == column).select(pl.col("value").alias(column), pl.col("tf").alias(f"tf_{column}"))
        records = records.join(lookup, on=column, how="left")
    return records


def score_one_against(new: pl.DataFrame, candidates: pl.DataFrame, params: Params, tf: pl.DataFrame) -> pl.DataFrame:
    """Score one new record against candidate records (every pair), for "is this child known?".

    Splink's real-time ``compare_records``: the SQL is built once per model and
    process and then reused (``sql_cache_key``), so a long-running service
    answers in well under a second; the picture's term frequencies ride along
    as ``tf_`` columns.
    """
    import hashlib

    from splink.internals.realtime import compare_records

    settings = splink_settings("duckdb", params)
    key = "crossline-known-" + hashlib.md5(json.dumps(params, sort_keys=True).encode()).hexdigest()
    con = duckdb.connect()
    try:
        api = DuckDBAPI(con)
        out = compare_records(
            with_tf(new, tf).to_arrow(), with_tf(candidates, tf).to_arrow(), settings, api, sql_cache_key=key
        ).as_duckdbpyrelation().arrow()
        scored = pl.from_arrow(out.read_all() if isinstance(out, pa.RecordBatchReader) else out)
    finally:
        con.close()
    assert isinstance(scored, pl.DataFrame)
    return _assemble(pl.concat([new, candidates], how="vertical_relaxed"), scored, params)


def explain_pairs(records: pl.DataFrame, pairs: pl.DataFrame, params: Params, tf: pl.DataFrame) -> pl.DataFrame:
    """``pairs``: ``a, b`` record indexes. Returns ``a, b, match_weight, match_probability, explanation`` (JSON)."""
    if pairs.height == 0:
        return pl.DataFrame(schema={"a": pl.Int64, "b": pl.Int64, "match_weight": pl.Float64,
                                    "match_probability": pl.Float64, "explanation": pl.String})
    scored, needed = score_pairs(records, pairs, params, tf)
    return _assemble(needed, scored, params)


def _assemble(records: pl.DataFrame, scored: pl.DataFrame, params: Params) -> pl.DataFrame:
    levels = levels_by_gamma(params)
    shown = _display(records)
    scored = scored.join(shown.rename({c: f"{c}__l" for c in shown.columns}), left_on="unique_id_l",
                         right_on="unique_id__l").join(
        shown.rename({c: f"{c}__r" for c in shown.columns}), left_on="unique_id_r", right_on="unique_id__r")
    parts = []
    for name, (description, labels) in levels.items():
        tf = f"mw_tf_adj_{name}"
        weight = pl.col(f"mw_{name}") + (pl.col(tf) if tf in scored.columns else pl.lit(0.0))
        parts.append(pl.struct(
            pl.lit(name).alias("comparison"),
            pl.lit(description).alias("description"),
            pl.col(f"gamma_{name}").replace_strict(labels, return_dtype=pl.String).alias("level"),
            weight.round(2).alias("weight"),
            pl.col(f"{name}__l").alias("left"),
            pl.col(f"{name}__r").alias("right"),
        ))
    out = scored.select(
        pl.col("unique_id_l").alias("a"), pl.col("unique_id_r").alias("b"), "match_weight", "match_probability",
        pl.concat_list(parts).alias("fields"),
    )
    prior = round(prior_weight(params), 2)
    return out.with_columns(
        pl.struct(pl.lit(prior).alias("prior"), "fields").struct.json_encode().alias("explanation")
    ).drop("fields")


Shown = tuple[dict[str, str], dict[str, str]]  # comparison -> each side's value as the partner sent it


def lines(explanation: str | dict[str, Any], match_probability: float | None = None, shown: Shown | None = None) -> list[str]:
    """Plain words: the prior, every field that counted (strongest first), what could not be compared, the total.

    Weights are in bits (log2 of the Bayes factor). ``shown`` replaces the
    prepared values (lower-cased, split, normalised for comparison) with the
    values each record holds as its partner sent them, which is what a
    reviewer recognises and can check against the source system.
    """
    data = json.loads(explanation) if isinstance(explanation, str) else explanation
    p = 2 ** data["prior"] / (1 + 2 ** data["prior"])
    out = [data["constraint"]] if data.get("constraint") else []
    out.append(f"Before looking at any field: {data['prior']:+.1f} bits (about one in {1 / p:,.0f} pairs of records is one person)")
    counted = [f for f in data["fields"] if f["level"] is not None and (f["weight"] or 0.0) != 0.0]
    for f in sorted(counted, key=lambda f: -abs(f["weight"])):
        left, right = f.get("left") or "-", f.get("right") or "-"
        if shown is not None and f["comparison"] in shown[0]:
            left, right = shown[0][f["comparison"]] or "-", shown[1][f["comparison"]] or "-"
        verdict = "agreed" if f["weight"] > 0 else "disagreed" if f["comparison"] not in GUARDS else "took back"
        out.append(f"{f['description']}: {f['level']} ({left} / {right}): {verdict}, {f['weight']:+.1f} bits")
    missing = [f["description"] for f in data["fields"]
               if f["level"] is not None and (f["weight"] or 0.0) == 0.0 and f["comparison"] not in GUARDS
               and (not f.get("left") or not f.get("right"))]
    if missing:
        out.append("Not compared (missing on one side): " + ", ".join(missing))
    total = data["prior"] + sum(f["weight"] or 0.0 for f in data["fields"])
    prob = match_probability if match_probability is not None else 2**total / (1 + 2**total)
    out.append(f"Total {total:+.1f} bits: match probability {prob:.3f}")
    return out
