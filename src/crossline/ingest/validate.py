"""Validate and normalise one batch of a feed: contract columns in, clean rows and issues out.

Pure and vectorised: a batch of raw strings (one row per line of the file)
becomes the rows to store and the quarantine entries, following
DATA-CONTRACT section 4: a bad required or defining value rejects the row
(severity ``error``); any other bad value is blanked, kept raw in the row's
``invalid`` record and reported (severity ``warning``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import polars as pl

from crossline.contract.dates import parse_datetimes, parse_partial_dates
from crossline.contract.enums import ENDPOINT_TYPES
from crossline.contract.geography import force_for_points, force_for_postcodes
from crossline.contract.phones import normalise_phones
from crossline.contract.postcodes import normalise_postcodes
from crossline.contract.schema import Column, FeedSchema, enum_values
from crossline.ingest.reader import LINE

Issue = Callable[[pl.Series, str, pl.Series, str, str], None]  # (rows, column, values, reason, severity)

_POOL = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2), thread_name_prefix="crossline-validate")

ISSUE_SCHEMA = pl.Schema({"line": pl.Int64, "column": pl.String, "value": pl.String, "reason": pl.String, "severity": pl.String})


@dataclass
class Checked:
    """What one column contributes: output columns, and where its raw value was bad."""

    outputs: dict[str, pl.Series]
    bad: pl.Series  # bool per row: a non-blank value that is not valid
    reason: str


def _raw(frame: pl.DataFrame, name: str) -> pl.Series:
    return frame[name] if name in frame.columns else pl.Series(name, [None] * frame.height, dtype=pl.String)


def _split_list(raw: pl.Series) -> pl.Series:
    items = raw.str.split(";").list.eval(pl.element().str.strip_chars().filter(pl.element() != ""))
    return pl.select(pl.when(items.list.len() > 0).then(items).otherwise(None).alias(raw.name)).to_series()


# Types whose parsers take surrounding spaces in their stride: their raw values are not stripped up front.
_SELF_TRIMMING = frozenset({"phone", "phone_list", "datetime", "datetime_or_date", "partial_date", "postcode", "endpoint"})


def _trim(raw: pl.Series) -> pl.Series:
    return raw.str.strip_chars().replace("", None)


def _really_bad(bad: pl.Series, raw: pl.Series) -> pl.Series:
    """A value that failed to parse but is only spaces is blank, not bad (checked on the failures only)."""
    if not bad.any():
        return bad
    idx = bad.arg_true()
    blank = raw.gather(idx).str.strip_chars().str.len_bytes() == 0
    return bad.scatter(idx, ~blank)


def _check(col: Column, raw: pl.Series, formats: dict[str, str]) -> Checked:
    if col.type not in _SELF_TRIMMING:
        raw = _trim(raw)
    checked = _check_trimmed(col, raw, formats)
    if col.type in _SELF_TRIMMING:
        checked.bad = _really_bad(checked.bad, raw)
    return checked


def _check_trimmed(col: Column, raw: pl.Series, formats: dict[str, str]) -> Checked:
    name = col.name
    present = raw.is_not_null()
    fmt = formats.get(name)
    if col.type == "text":
        out = raw.str.to_uppercase() if col.upper else raw
        return Checked({name: out}, pl.Series([False] * raw.len()), "")
    if col.type == "list":
        lst = pl.select(_split_list(raw)).to_series()
        return Checked({name: lst}, pl.Series([False] * raw.len()), "")
    if col.type == "partial_date":
        parsed = parse_partial_dates(raw, fmt)
        return Checked(
            {name: parsed["value"], f"{name}_precision": parsed["precision"]},
            present & parsed["value"].is_null(),
            "not a date (expected YYYY-MM-DD, YYYY-MM or YYYY" + (f", or {fmt}" if fmt else "") + ")",
        )
    if col.type in ("datetime", "datetime_or_date"):
        allow_date = col.type == "datetime_or_date"
        parsed = parse_datetimes(raw, fmt, allow_date=allow_date)
        outputs = {name: parsed["value"]}
        if allow_date:
            outputs[f"{name}_date_only"] = parsed["date_only"]
        return Checked(outputs, present & parsed["value"].is_null(), "not a date and time (expected ISO 8601)")
    if col.type == "int":
        val = raw.cast(pl.Int64, strict=False)
        return Checked({name: val}, present & val.is_null(), "not a whole number")
    if col.type == "float":
        val = raw.cast(pl.Float64, strict=False)
        limit = 90.0 if name == "lat" else 180.0 if name == "lon" else float("inf")
        val = pl.select(pl.when(val.abs() <= limit).then(val)).to_series().alias(name)
        return Checked({name: val}, present & val.is_null(), "not a number" + (f" within ±{limit:g}" if limit != float("inf") else ""))
    if col.type == "phone":
        val = normalise_phones(raw).alias(name)
        return Checked({name: val}, present & val.is_null(), "not a phone number")
    if col.type == "phone_list":
        return _check_phone_list(name, raw)
    if col.type == "postcode":
        pc = normalise_postcodes(raw)
        return Checked(
            {name: pc["postcode"], f"{name}_is_uk": pc["postcode_is_uk"]}, pl.Series([False] * raw.len()), ""
        )
    if col.type == "enum":
        values = enum_values(col)
        norm = raw.str.to_uppercase() if col.upper else raw.str.to_lowercase() if name != "source_eval" else raw
        ok = norm.is_in(list(values))
        val = pl.select(pl.when(ok).then(norm)).to_series().alias(name)
        shown = ", ".join(sorted(values)) if len(values) <= 12 else "see DATA-CONTRACT"
        return Checked({name: val}, present & ~ok, f"unknown {name} (expected one of: {shown})")
    if col.type == "endpoint":
        return _check_endpoint(name, raw)
    raise AssertionError(col.type)


def _check_phone_list(name: str, raw: pl.Series) -> Checked:
    """Each ``;``-separated phone normalised; a bad one is dropped with a warning, the good ones kept."""
    frame = pl.DataFrame({"raw": raw}).with_row_index("__i")
    items = frame.with_columns(item=_split_list(raw)).explode("item")
    items = items.with_columns(norm=normalise_phones(items["item"]))
    grouped = (
        items.group_by("__i", maintain_order=True)
        .agg(
            good=pl.col("norm").drop_nulls().unique(maintain_order=True),
            bad=(pl.col("item").is_not_null() & pl.col("norm").is_null()).any(),
        )
        .sort("__i")
    )
    good = pl.select(pl.when(grouped["good"].list.len() > 0).then(grouped["good"])).to_series().alias(name)
    return Checked({name: good}, grouped["bad"], "not a phone number")


def _check_endpoint(name: str, raw: pl.Series) -> Checked:
    """``type:value`` endpoints of a link, normalised by type (phones to E.164, postcodes spaced)."""
    frame = pl.DataFrame({"raw": raw}).with_columns(
        etype=pl.col("raw").str.extract(r"^\s*([a-z_]+)\s*:", 1),
        value=pl.col("raw").str.replace(r"^\s*[a-z_]+\s*:\s*", "").str.strip_chars(),
    )
    frame = frame.with_columns(
        phone=normalise_phones(pl.select(pl.when(frame["etype"] == "phone").then(frame["value"])).to_series()),
        pc_raw=pl.col("value").str.extract(r"^([^|]*)\|", 1),
        addr=pl.col("value").str.extract(r"^[^|]*\|(.*)$", 1).str.strip_chars(),
    )
    pcs = normalise_postcodes(frame["pc_raw"])
    frame = frame.with_columns(pc=pcs["postcode"])
    known = frame["etype"].is_in(list(ENDPOINT_TYPES)) & frame["value"].is_not_null() & (frame["value"] != "")
    norm = frame.select(
        pl.when(~pl.lit(known))
        .then(None)
        .when(pl.col("etype") == "phone")
        .then(pl.when(pl.col("phone").is_not_null()).then(pl.lit("phone:") + pl.col("phone")))
        .when(pl.col("etype") == "address")
        .then(
            pl.when(pl.col("addr").is_not_null() | pl.col("pc").is_not_null()).then(
                pl.lit("address:") + pl.col("pc").fill_null("") + pl.lit("|") + pl.col("addr").fill_null("")
            )
        )
        .when(pl.col("etype") == "vehicle")
        .then(pl.lit("vehicle:") + pl.col("value").str.replace_all(r"\s+", "").str.to_uppercase())
        .otherwise(pl.col("etype") + pl.lit(":") + pl.col("value"))
    ).to_series().alias(name)
    # "address:NP20 1AB" with no "|" is a postcode-only address.
    pc_only = frame.select(
        pl.when((pl.col("etype") == "address") & pl.col("pc_raw").is_null() & pl.col("value").is_not_null())
        .then(pl.lit("address:") + normalise_postcodes(frame["value"])["postcode"] + pl.lit("|"))
    ).to_series()
    norm = pl.select(pl.coalesce(pc_only, norm)).to_series().alias(name)
    return Checked(
        {name: norm},
        raw.is_not_null() & norm.is_null(),
        "not a readable endpoint (expected person:, phone:, vehicle:, address:POSTCODE|ADDRESS or handset:)",
    )


def validate_batch(
    schema: FeedSchema, batch: pl.DataFrame, mapping: dict[str, str], formats: dict[str, str], check_nul: bool = True
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(accepted rows, issues) for one batch whose columns are the file's own names plus ``__line``."""
    contract_to_file = {c: mapping.get(c, c) for c in schema.names}
    file_cols = set(contract_to_file.values())
    extras = [c for c in batch.columns if c not in file_cols and c != LINE and not c.startswith("column_")]
    raw = {c: _raw(batch, f) for c, f in contract_to_file.items()}
    for c in schema.columns:  # required values are judged trimmed: "  " is blank
        if c.required:
            raw[c.name] = _trim(raw[c.name])
    for name in ("given_name", "family_name", "aliases", "handling_conditions"):  # read by the cross-column rules
        if name in raw:
            raw[name] = _trim(raw[name])
    lines = batch[LINE]
    out: dict[str, pl.Series] = {}
    errors = pl.Series([False] * batch.height)
    issue_frames: list[pl.DataFrame] = []
    invalid: dict[str, pl.Series] = {}

    def issue(mask: pl.Series, column: str, value: pl.Series, reason: str, severity: str) -> None:
        if mask.any():
            issue_frames.append(
                pl.DataFrame({"line": lines, "column": column, "value": value, "reason": reason, "severity": severity})
                .filter(mask)
                .cast(ISSUE_SCHEMA)
            )

    if check_nul:  # the reader knows when a text file holds no NUL byte at all
        errors = _reject_nul_bytes(batch, {f: c for c, f in contract_to_file.items()}, errors, issue)
    # Columns are independent, and Polars releases the GIL: check them on both cores.
    checks = list(_POOL.map(lambda c: _check(c, raw[c.name], formats), schema.columns))
    for col, checked in zip(schema.columns, checks, strict=False):
        out.update(checked.outputs)
        blank = raw[col.name].is_null()
        if col.required:
            issue(blank, col.name, raw[col.name], "required value is blank", "error")
            errors = errors | blank
        if col.required or col.defining:
            issue(checked.bad, col.name, raw[col.name], checked.reason, "error")
            errors = errors | checked.bad
        elif checked.bad.any():
            issue(checked.bad, col.name, raw[col.name], checked.reason + "; imported with this value blank", "warning")
            invalid[col.name] = pl.select(pl.when(checked.bad).then(raw[col.name])).to_series()
    errors = _kind_rules(schema, raw, out, errors, issue)

    frame = pl.DataFrame(out).with_columns(pl.Series("line", lines))
    if extras:
        trimmed = batch.select([_trim(batch[c]) for c in extras])
        frame = frame.with_columns(trimmed.select(pl.struct(extras).struct.json_encode().alias("attributes")))
    else:
        frame = frame.with_columns(pl.lit(None, pl.String).alias("attributes"))
    if invalid:
        inv = pl.DataFrame(invalid).select(pl.struct(list(invalid)).struct.json_encode().alias("invalid"))
        any_bad = pl.DataFrame(invalid).select(pl.any_horizontal(pl.all().is_not_null())).to_series()
        frame = frame.with_columns(pl.select(pl.when(any_bad).then(inv["invalid"])).to_series().alias("invalid"))
    else:
        frame = frame.with_columns(pl.lit(None, pl.String).alias("invalid"))
    issues = pl.concat(issue_frames) if issue_frames else pl.DataFrame(schema=ISSUE_SCHEMA)
    # A rejected row's warnings are moot: only its errors are reported.
    rejected_lines = lines.filter(errors)
    issues = issues.filter((pl.col("severity") == "error") | ~pl.col("line").is_in(rejected_lines.implode()))
    return frame.filter(~errors), issues


NUL = "\x00"
NUL_SHOWN = "\u2400"  # the visible symbol for NUL, so the quarantine can keep the value on either database


def _reject_nul_bytes(batch: pl.DataFrame, contract_of: dict[str, str], errors: pl.Series, issue: Issue) -> pl.Series:
    """A value holding a NUL byte rejects its row: PostgreSQL text cannot hold one, and no partner means one."""
    for name in batch.columns:
        if name == LINE or batch.schema[name] != pl.String:
            continue
        has = batch[name].str.contains(NUL, literal=True).fill_null(False)
        if has.any():
            issue(has, contract_of.get(name, name), batch[name].str.replace_all(NUL, NUL_SHOWN, literal=True),
                  "contains a NUL byte (0x00, shown as \u2400), which no value may hold; remove it from the file", "error")
            errors = errors | has
    return errors


def _kind_rules(schema: FeedSchema, raw: dict[str, pl.Series], out: dict[str, pl.Series], errors: pl.Series, issue: Issue) -> pl.Series:
    """Rules that span columns."""
    if schema.kind == "persons":
        nameless = raw["given_name"].is_null() & raw["family_name"].is_null() & raw["aliases"].is_null()
        issue(nameless & ~errors, "given_name", raw["given_name"], "no name: give at least one of given_name, family_name, aliases", "error")
        errors = errors | nameless
    elif schema.kind == "events":
        conditional = out["handling_code"] == "C"
        missing = (conditional & raw["handling_conditions"].is_null()).fill_null(False)
        issue(
            missing,
            "handling_conditions",
            raw["handling_conditions"],
            "handling_code C without handling_conditions: kept, and not shared beyond its owner until conditions are given",
            "warning",
        )
        out["shareable"] = pl.select(pl.when(missing).then(False).otherwise(True)).to_series()
        _derive_force_area(out, use_postcode=True)
    elif schema.kind == "cell_sites":
        _derive_force_area(out, use_postcode=False)
    elif schema.kind == "comms":
        # Duration means nothing on a message; dropping it keeps one event one key.
        out["duration_s"] = pl.select(pl.when(out["kind"] == "voice").then(out["duration_s"])).to_series()
    return errors


def _derive_force_area(out: dict[str, pl.Series], use_postcode: bool) -> None:
    """A blank force_area is filled from the point, else the postcode, and flagged as derived."""
    given = out["force_area"]
    derived = force_for_points(out["lat"].fill_null(float("nan")), out["lon"].fill_null(float("nan")))
    if use_postcode:
        pc = pl.select(pl.when(out["postcode_is_uk"]).then(out["postcode"])).to_series()
        derived = pl.select(pl.coalesce(derived, force_for_postcodes(pc))).to_series()
    out["force_area_derived"] = (given.is_null() & derived.is_not_null()).alias("force_area_derived")
    out["force_area"] = pl.select(pl.coalesce(given, derived)).to_series().alias("force_area")
