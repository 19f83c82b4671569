"""How good a build was, against the simulator's truth: the demo's self-assessment.

A new user should see how well Crossline did on the demo's scenario without
writing code. The figures are the same ones the benchmarks print, computed
from the scenario's ``truth/`` folder and the published picture's tables, so
the demo's claim can be checked by anyone holding both.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

HIGH_BANDS = ("high", "very_high")


@dataclass(frozen=True)
class Share:
    """``found`` of ``of``; ``of`` 0 means the scenario planted none."""

    found: int
    of: int

    @property
    def rate(self) -> float | None:
        return self.found / self.of if self.of else None

    def words(self) -> str:
        return f"{self.found} of {self.of}" + (f" ({self.rate:.0%})" if self.rate is not None else "")


@dataclass(frozen=True)
class Linkage:
    precision: float
    recall: float
    f1: float


@dataclass(frozen=True)
class Scorecard:
    lines: Share | None  # planted lines with at least one number found
    numbers: Share | None  # planted line numbers found
    wrong_numbers: int | None  # numbers called a line that no planted line used
    successions: Share | None  # planted number changes followed (old and new number paired)
    exploited_high: Share | None  # exploited young people scored high or very high
    linkage: Linkage | None  # pairwise, over every record the build resolved


def pairwise_linkage(nominals: pl.DataFrame, person_records: pl.DataFrame) -> Linkage:
    """Pairwise precision, recall and F1 of ``nominals`` against true persons, over the records both hold.

    Pairs are counted from group sizes (n * (n - 1) / 2), never enumerated,
    so a million records cost a few group-bys.
    """
    joined = nominals.select("source", "record_id", pl.col("nominal_id").cast(pl.String)).join(
        person_records.select("source", "record_id", "person_id"), on=["source", "record_id"], how="inner"
    )

    def pairs(*keys: str) -> float:
        n = joined.group_by(*keys).len()["len"].cast(pl.Float64)
        return float((n * (n - 1) / 2).sum())

    tp, predicted, true = pairs("nominal_id", "person_id"), pairs("nominal_id"), pairs("person_id")
    precision = tp / predicted if predicted else 1.0
    recall = tp / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Linkage(precision, recall, f1)


def score(truth_dir: Path, tables: dict[str, pl.DataFrame]) -> Scorecard:
    """Compare the picture's ``tables`` (by name; any may be missing) with the truth in ``truth_dir``."""
    truth_dir = Path(truth_dir)

    def truth(name: str) -> pl.DataFrame:
        return pl.read_csv(truth_dir / f"{name}.csv", infer_schema_length=0)

    lines = numbers = successions = exploited = None
    wrong: int | None = None
    linkage = None
    if "line_numbers" in tables:
        t_numbers = truth("line_numbers")
        found = set(tables["line_numbers"]["number"].cast(pl.String).to_list())
        planted = set(t_numbers["number"].to_list())
        numbers = Share(len(found & planted), len(planted))
        wrong = len(found - planted)
        lines_hit = t_numbers.filter(pl.col("number").is_in(list(found)))["line_id"].n_unique()
        lines = Share(lines_hit, t_numbers["line_id"].n_unique())
    if "successions" in tables:
        t_succ = truth("successions")
        f = tables["successions"]
        found_pairs = set(zip(f["old_number"].cast(pl.String).to_list(), f["new_number"].cast(pl.String).to_list(), strict=True))
        planted_pairs = set(zip(t_succ["old_number"].to_list(), t_succ["new_number"].to_list(), strict=True))
        successions = Share(len(found_pairs & planted_pairs), len(planted_pairs))
    person_records = truth("person_records")
    if "nominals" in tables:
        linkage = pairwise_linkage(tables["nominals"], person_records)
        if "risk" in tables:
            exploited = _exploited_high(truth_dir, person_records, tables["nominals"], tables["risk"])
    return Scorecard(lines, numbers, wrong, successions, exploited, linkage)


def _exploited_high(truth_dir: Path, person_records: pl.DataFrame, nominals: pl.DataFrame, risk: pl.DataFrame) -> Share:
    """Exploited young people whose best-scored nominal is in a high band (a person split over nominals counts once)."""
    young = pl.read_csv(truth_dir / "young_people.csv", infer_schema_length=0)
    victims = young.filter(pl.col("exploited").str.to_lowercase().is_in(["true", "1"]))["person_id"]
    high = (
        person_records.select("source", "record_id", "person_id")
        .join(nominals.select("source", "record_id", pl.col("nominal_id").cast(pl.String)), on=["source", "record_id"])
        .join(risk.select(pl.col("nominal_id").cast(pl.String), "band"), on="nominal_id")
        .filter(pl.col("band").is_in(HIGH_BANDS))["person_id"]
    )
    return Share(victims.filter(victims.is_in(high.to_list())).n_unique(), victims.n_unique())


def describe(card: Scorecard) -> list[str]:
    """The scorecard in plain lines, each saying what was compared with what."""
    out: list[str] = []
    if card.lines is not None and card.numbers is not None:
        out.append(f"Deal lines found: {card.lines.words()} planted; their numbers {card.numbers.words()}, "
                   f"{card.wrong_numbers} number(s) wrongly called a line.")
    if card.successions is not None:
        out.append(f"Number changes followed: {card.successions.words()} planted.")
    if card.exploited_high is not None:
        out.append(f"Exploited young people scored high or very high: {card.exploited_high.words()}.")
    if card.linkage is not None:
        link = card.linkage
        out.append(f"People resolved across agencies: pairwise F1 {link.f1:.3f} (precision {link.precision:.3f}, recall {link.recall:.3f}).")
    return out
