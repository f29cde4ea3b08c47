from __future__ import annotations

from datetime import date, timedelta

import pytest

from scoring.backtest_rescore import ModelWeights, contributions, replay_tiers, rescore

WEIGHTS = ModelWeights(
    category_weights={"usage": 60, "support": 40},
    signal_weights={"a": 1, "b": 3, "c": 1, "d": 1},
    signal_categories={"a": "usage", "b": "usage", "c": "support", "d": "support"},
)
COMPONENTS = {"signals": [
    {"key": "a", "category": "usage", "sub_score": 80},
    {"key": "b", "category": "usage", "sub_score": 40},
    {"key": "c", "category": "support", "sub_score": None},  # excluded: renormalised away
    {"key": "d", "category": "support", "sub_score": 20},
]}


def test_it_rescores_components_with_other_weights():
    # usage: (1·80 + 3·40)/4 = 50; support: only d = 20 → 0.6·50 + 0.4·20 = 38
    assert rescore(COMPONENTS, WEIGHTS) == 38
    assert contributions(COMPONENTS, WEIGHTS) == pytest.approx({"a": 12, "b": 18, "d": 8})
    assert WEIGHTS.shares() == pytest.approx({"a": 0.15, "b": 0.45, "c": 0.2, "d": 0.2})


def test_it_reapplies_an_override():
    assert rescore({**COMPONENTS, "override": {"effect": "cap", "value": 30}}, WEIGHTS) == 30
    assert rescore({**COMPONENTS, "override": {"effect": "penalty", "value": 10}}, WEIGHTS) == 28


def test_it_replays_hold_days_and_rapid_decline():
    weights = ModelWeights({}, {}, {}, green=75, yellow=50, hold_days=3, rapid_points=20, rapid_days=30)
    start = date(2026, 1, 1)
    scores = [80, 70, 70, 70, 80, 70, 40]
    tiers = [d.tier for d in replay_tiers([(start + timedelta(days=i), s) for i, s in enumerate(scores)], weights)]
    # day 2–3 yellow pending, day 4 the third yellow day → yellow; day 5 green pending;
    # day 6 yellow again; day 7 drop of 40 from the 30-day peak of 80 → red at once.
    assert tiers == ["green", "green", "green", "yellow", "yellow", "yellow", "red"]
