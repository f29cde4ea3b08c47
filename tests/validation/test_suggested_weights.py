from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from scoring.backtest_rescore import suggest_weights
from scoring.validation import weights_suggest
from tests.validation.conftest import outcome_world


def _cases(churned: dict[str, int], retained: dict[str, int], n: int = 10):
    cases = []
    for is_churn, falls in ((True, churned), (False, retained)):
        for i in range(n):
            cases.append((is_churn, {k: (80.0, 40.0 if i < f else 79.0) for k, f in falls.items()}))
    return cases


def test_it_gives_the_largest_weight_to_the_signal_that_predicts_churn():
    cases = _cases(churned={"x": 9, "y": 3, "z": 2}, retained={"x": 1, "y": 3, "z": 4})
    result = suggest_weights(cases, {"x": 0.4, "y": 0.3, "z": 0.3})
    by_key = {ev.key: ev for ev in result.signals}

    # Laplace-smoothed rates: x (9+1)/12 vs (1+1)/12 → lift 5; y 4/12 vs 4/12 → 1; z 3/12 vs 5/12 → 0.6.
    assert by_key["x"].lift == pytest.approx(5.0)
    assert by_key["y"].lift == pytest.approx(1.0)
    assert by_key["z"].lift == pytest.approx(0.6)
    # Strength = max(share churned − share retained, 0): x 0.9 − 0.1 = 0.8; y 0; z −0.2 → 0.
    assert by_key["x"].excess == pytest.approx(0.8)
    assert by_key["z"].excess == pytest.approx(-0.2)
    # Only x has strength. Floor = 0.25 / 3; x = floor + 0.75 · 1.
    assert by_key["x"].suggested_share == pytest.approx(1 / 12 + 0.75)
    assert by_key["y"].suggested_share == pytest.approx(1 / 12)
    assert by_key["z"].suggested_share == pytest.approx(1 / 12)
    assert [ev.key for ev in result.signals][0] == "x"
    assert (by_key["x"].churned_deteriorated, by_key["x"].churned_total) == (9, 10)
    assert (by_key["x"].retained_deteriorated, by_key["x"].retained_total) == (1, 10)
    assert result.enough


def test_it_shares_weight_in_proportion_to_the_excess_deterioration_rate():
    cases = _cases(churned={"x": 9, "y": 5, "z": 0}, retained={"x": 1, "y": 1, "z": 0})
    result = {ev.key: ev for ev in suggest_weights(cases, {"x": 0.5, "y": 0.3, "z": 0.2}).signals}
    # x: 0.9 − 0.1 = 0.8; y: 0.5 − 0.1 = 0.4; z: 0 − 0 = 0 (floor only) → x : y = 2 : 1.
    floor = 0.25 / 3
    assert result["x"].suggested_share == pytest.approx(floor + 0.75 * 2 / 3)
    assert result["y"].suggested_share == pytest.approx(floor + 0.75 * 1 / 3)
    assert result["z"].suggested_share == pytest.approx(floor)


def test_it_ignores_a_drop_smaller_than_ten_points_and_missing_sub_scores():
    cases = [(True, {"x": (80.0, 71.0), "y": (None, 10.0)})] * 5 + [(False, {"x": (80.0, 70.0)})] * 5
    result = {ev.key: ev for ev in suggest_weights(cases, {"x": 0.5, "y": 0.5}).signals}
    assert (result["x"].churned_deteriorated, result["x"].churned_total) == (0, 5)
    assert (result["x"].retained_deteriorated, result["x"].retained_total) == (5, 5)
    assert result["y"].churned_total == 0


def test_it_reads_sub_scores_from_snapshots_90_and_14_days_before_the_outcome(mini):
    now = timezone.now()
    outcome_world(mini.version, timezone.localdate(now) - timedelta(days=10))
    result = weights_suggest(version=mini.version, now=now)
    by_key = {ev.key: ev for ev in result.signals}

    assert (result.churned_cases, result.retained_cases) == (10, 10)
    assert by_key["x"].suggested_share == pytest.approx(1 / 12 + 0.75)
    assert by_key["x"].current_share == pytest.approx(0.4)
    assert by_key["z"].current_share == pytest.approx(0.3)
    assert max(result.signals, key=lambda ev: ev.suggested_share).key == "x"


def test_it_says_too_few_outcomes_below_five_churned(mini):
    cases = _cases(churned={"x": 4}, retained={"x": 0}, n=4)
    assert suggest_weights(cases, {"x": 1.0}).enough is False
