"""E-values, cost per harm avoided and verdicts: the figures beside each effect in the what_works export and the report."""

from __future__ import annotations

import math

import pytest

from crossline.evaluate.costs import cost_per_harm_avoided
from crossline.evaluate.fragility import e_value, e_value_limit, in_words
from crossline.evaluate.table import verdict
from crossline.settings import parse


def test_e_value_matches_vanderweele_and_ding() -> None:
    # their worked example: a risk ratio of 3.9 needs 7.26 on both sides; the lower limit 1.8 needs 3.0
    assert e_value(3.9) == pytest.approx(7.26, abs=0.01)
    assert e_value_limit(3.9, 1.8, 8.7) == pytest.approx(3.0, abs=0.01)
    # a protective ratio is inverted: 0.5 is as fragile as 2
    assert e_value(0.5) == pytest.approx(2 + math.sqrt(2))
    assert e_value_limit(0.5, 0.3, 0.8) == pytest.approx(e_value(1 / 0.8))  # the limit nearest 1 is the upper one
    assert e_value_limit(0.8, 0.6, 1.1) == 1.0  # the interval includes no effect: nothing needed to explain it away
    assert e_value(1.0) == 1.0
    assert e_value_limit(0.8, None, None) is None
    with pytest.raises(ValueError):
        e_value(0.0)


def test_fragility_in_plain_words() -> None:
    words = in_words(0.5, e_value(0.5), e_value_limit(0.5, 0.3, 0.8))
    assert "would have to make referral 3.4 times as likely and harm 3.4 times as likely to explain this benefit away" in words
    assert "1.8 times each to move the interval to include no effect" in words
    assert "already includes no effect" in in_words(0.9, e_value(0.9), 1.0)


def test_cost_per_harm_avoided_with_interval_or_not_estimable() -> None:
    c = cost_per_harm_avoided(1200.0, 0.4, 0.2, 0.8)
    assert c.status == "estimated" and c.cost == pytest.approx(3000) and c.low == pytest.approx(1500) and c.high == pytest.approx(6000)
    assert cost_per_harm_avoided(1200.0, 0.1, -0.1, 0.3).status == "not estimable"  # the interval crosses no effect
    assert cost_per_harm_avoided(1200.0, -0.3, -0.6, -0.1).status == "not estimable"  # more harm: no cost per harm avoided
    assert cost_per_harm_avoided(None, 0.4, 0.2, 0.8).status == "no cost given"


def test_verdict_follows_the_interval_not_the_point() -> None:
    assert verdict(0.6, 0.45, 0.8).startswith("fewer harm events")
    assert verdict(0.6, 0.3, 1.2).startswith("no clear effect")
    assert verdict(1.5, 1.1, 2.0).startswith("more harm events")
    assert verdict(None, None, None) == "no estimate"


def test_programme_costs_come_from_the_evaluate_section() -> None:
    s = parse({"evaluate": {"mentoring_cost": 1500.0}})
    assert s.evaluate.cost_of("mentoring") == 1500.0
    assert s.evaluate.cost_of("sport") is None  # 0: not given
    assert s.evaluate.cost_of("unknown_programme") is None
