"""The simulator's ground truth, joined to the picture: for benchmarks, calibration and tests.

``truth_nominals`` is a legitimate fixture, not a shortcut: it resolves every
source record to its true person, which isolates the risk stage from
resolution errors. ``person_scores`` maps scores back to true people through
whatever nominals a build produced (a person split over several nominals takes
the highest score; unscored young people score 0).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from crossline.access.actor import Actor
from crossline.store import picture as picture_store
from crossline.workspace import Workspace


def truth_nominals(truth_dir: Path) -> pl.DataFrame:
    """nominals (nominal_id, source, record_id, match_probability) with one nominal per true person."""
    pr = pl.read_csv(Path(truth_dir) / "person_records.csv", infer_schema_length=0)
    return pr.select(
        (pl.lit("T-") + pl.col("person_id")).alias("nominal_id"), "source", "record_id", pl.lit(1.0).alias("match_probability")
    )


def publish_tables(ws: Workspace, tables: dict[str, pl.DataFrame], built_by: str = "truth fixture") -> int:
    """Publish a picture version holding ``tables`` (e.g. truth nominals), as a stage would have written them."""
    import secrets
    from datetime import UTC, datetime

    ws.picture.mkdir(exist_ok=True)
    building = ws.picture / f".building-{secrets.token_hex(4)}"
    building.mkdir()
    current = picture_store.current_version(ws.engine)
    if current is not None:  # carry the rest of the current picture over
        import shutil

        for f in picture_store.version_dir(ws.path, current).glob("*.parquet"):
            if f.stem not in tables:
                shutil.copy2(f, building / f.name)
    for name, frame in tables.items():
        frame.write_parquet(building / f"{name}.parquet")
    built_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return picture_store.publish(ws.engine, ws.path, building, built_at, built_by, {}, {k: v.height for k, v in tables.items()})


def truth_lines_tables(truth_dir: Path) -> dict[str, pl.DataFrame]:
    """lines, line_numbers and runners tables from the truth, shaped like the lines stage's (for tests of line contact)."""
    truth_dir = Path(truth_dir)
    lines = pl.read_csv(truth_dir / "lines.csv", infer_schema_length=0)
    numbers = pl.read_csv(truth_dir / "line_numbers.csv", infer_schema_length=0)
    phones = pl.read_csv(truth_dir / "phones.csv", infer_schema_length=0)
    members = pl.read_csv(truth_dir / "ocg_members.csv", infer_schema_length=0)
    # a runner's work phone (burner) where they have one, else their personal phone
    runner_phones = (
        members.filter(pl.col("role") == "runner").select("person_id", "line_id")
        .join(phones.filter(pl.col("kind").is_in(["burner", "personal"])), on="person_id", how="inner")
        .sort(pl.col("kind") != "burner")
    )
    runners = runner_phones.group_by("person_id", "line_id", maintain_order=True).agg(pl.col("number").first()).select("line_id", "number")
    return {
        "lines": lines.select(
            "line_id", pl.col("first_active").alias("first_seen"), pl.col("last_active").alias("last_seen"),
            pl.col("status").replace({"closed": "disrupted"}), pl.lit(1.0).alias("confidence"), "controller_area",
            pl.col("market_area").alias("market_areas"), pl.col("customers").cast(pl.Int64), pl.lit(None, pl.Float64).alias("daily_messages"),
            "ocg_id",
        ),
        "line_numbers": numbers.select("line_id", "number", "active_from", "active_to"),
        "runners": runners,
    }


def young_people(truth_dir: Path) -> pl.DataFrame:
    return pl.read_csv(Path(truth_dir) / "young_people.csv").with_columns(pl.col("person_id").cast(pl.String))


def person_scores(truth_dir: Path, nominals: pl.DataFrame, risk: pl.DataFrame) -> pl.DataFrame:
    """Truth young people with the score of their nominal(s): person_id, exploited, sex, age, score, band."""
    pr = pl.read_csv(Path(truth_dir) / "person_records.csv", infer_schema_length=0).select("source", "record_id", "person_id")
    per_person = (
        pr.join(nominals.select(pl.col("nominal_id").cast(pl.String), "source", "record_id"), on=["source", "record_id"], how="inner")
        .join(risk.select("nominal_id", "score", "band"), on="nominal_id", how="inner")
        .sort("score", descending=True)
        .group_by("person_id", maintain_order=True)
        .agg(pl.col("score").first(), pl.col("band").first())
    )
    return young_people(truth_dir).join(per_person, on="person_id", how="left").with_columns(
        pl.col("score").fill_null(0.0), pl.col("band").fill_null("low")
    )



def build_risk_with(ws: Workspace, actor: Actor, tables: dict[str, pl.DataFrame], only: tuple[str, ...] = ("risk",)) -> int:
    """Run the risk stage (or ``only`` these stages) on fixture tables (truth nominals, truth lines); publish them beside its outputs.

    The fixture tables are published first (the stage reads them as the
    current picture's), then the stage runs, then they are published again with
    its outputs, since the build carries over only registered stages' tables.
    """
    from crossline.stages.pipeline import run_build

    publish_tables(ws, tables)
    run_build(ws, actor, only=list(only))
    return publish_tables(ws, tables)
