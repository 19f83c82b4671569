"""The weighted score and its evidence, the supervised model on reviewed numbers, and the weights settings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from pydantic import ValidationError

from crossline.errors import ConfigurationError
from crossline.settings.lines import FEATURES, LinesSettings
from crossline.stages.lines.score import evidence, fit, score_numbers

WEIGHTS = LinesSettings().weights()


FLARING = FEATURES[:6]  # the issue-5 features; repeat and known_customers unread here


def numbers(rows: list[tuple]) -> pl.DataFrame:
    """Numbers that flared (flare_days 1) with the first six features given and the rest unread."""
    df = pl.DataFrame(rows, schema=["number", *FLARING], orient="row")
    return df.with_columns(*[pl.lit(None, dtype=pl.Float64).alias(f) for f in FEATURES[6:]], pl.lit(1).alias("flare_days"))


def test_the_score_is_the_weighted_mean_of_the_features_read() -> None:
    df = numbers([
        ("line", 0.9, 0.6, 0.8, 1.0, 1.0, 1.0),
        ("no-relay-seen", 0.9, None, 0.8, 1.0, 1.0, 1.0),  # relay unread: its weight drops out
        ("one-day", None, 0.6, 0.8, 1.0, 1.0, 1.0),  # no regularity: not judged
    ])
    got = score_numbers(df, WEIGHTS)
    total = sum(WEIGHTS[f] for f in FLARING)
    expect = (3 * 0.9 + 2 * 0.6 + 1.5 * 0.8 + 1.5 + 1 + 1) / total
    assert got["score"].to_list() == pytest.approx([expect, (3 * 0.9 + 1.5 * 0.8 + 1.5 + 1 + 1) / (total - 2), 0.0])
    ev = evidence(df, WEIGHTS)
    sums = ev.group_by("number").agg(pl.col("contribution").sum()).sort("number")
    assert dict(sums.iter_rows()) == pytest.approx({"line": expect, "no-relay-seen": got["score"][1], "one-day": sums["contribution"][2]})


def test_supervised_needs_enough_labels_of_both_kinds() -> None:
    df = numbers([(f"n{i}", 0.9, 0.6, 0.8, 1.0, 1.0, 1.0) for i in range(12)])
    labels = pl.DataFrame({"number": [f"n{i}" for i in range(12)], "label": [1] * 12})
    model, why = fit(df, labels, min_labels=10)
    assert model is None and "both confirmed and rejected" in why


def test_supervised_learns_from_reviews() -> None:
    rng = np.random.default_rng(5)
    rows, labels = [], []
    for i in range(60):
        line = i % 2 == 0
        base = [0.85, 0.6, 0.85, 0.9, 0.9, 1.0] if line else [0.05, 0.0, 0.6, 0.1, 0.9, 1.0]
        rows.append((f"n{i}", *[float(np.clip(v + rng.normal(0, 0.1), 0, 1)) for v in base]))
        labels.append(int(line))
    df = numbers(rows)
    model, why = fit(df, pl.DataFrame({"number": df["number"], "label": labels}), min_labels=10)
    assert model is not None and "60 reviewed" in why
    scored = score_numbers(df, WEIGHTS, model)
    assert set(scored["method"]) == {"supervised"}
    p = scored["score"].to_numpy()
    assert p[::2].min() > 0.7 and p[1::2].max() < 0.3 and p[::2].min() > p[1::2].max()
    assert model.coef[FEATURES.index("flare_regularity")] > 0


def test_weights_from_a_file(tmp_path: Path) -> None:
    (tmp_path / "w.toml").write_text("[weights]\nrelay = 0.5\n", encoding="utf-8")
    assert LinesSettings(weights_file="w.toml").weights(tmp_path)["relay"] == 0.5
    (tmp_path / "bad.toml").write_text("[weights]\nnot_a_feature = 1\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="unknown feature"):
        LinesSettings(weights_file="bad.toml").weights(tmp_path)
    with pytest.raises(ValidationError, match="engine"):
        LinesSettings(engine="oracle")
