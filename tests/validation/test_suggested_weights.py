from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from scoring.backtest_suggest import MIN_CHURNED, MIN_RETAINED, suggest_weights
from scoring.validation import weights_suggest
from tests.validation.conftest import outcome_world


def _cases(churned: dict[str, int], retained: dict[str, int], n: int = 10, n_retained: int | None = None):
    cases = []
    for is_churn, falls, count in ((True, churned, n), (False, retained, n if n_retained is None else n_retained)):
        for i in range(count):
            cases.append((is_churn, {k: (80.0, 40.0 if i < f else 79.0) for k, f in falls.items()}))
    return cases


def test_the_guides_worked_example_12_of_15_vs_4_of_15_gives_75_25():
    # 002: "If core feature adoption showed early deterioration in twelve out of fifteen churned
    # accounts, it carries more weight than NPS, which showed warning signs in four."
    cases = _cases(churned={"core_feature_adoption": 12, "nps": 4, "weekly_logins": 0}, retained={}, n=15, n_retained=0)
    result = {ev.key: ev for ev in suggest_weights(cases, {"core_feature_adoption": 0.3, "nps": 0.3, "weekly_logins": 0.4}).signals}
    assert result["core_feature_adoption"].suggested_share == pytest.approx(0.75)
    assert result["nps"].suggested_share == pytest.approx(0.25)
    # A signal that never fell gets nothing (there used to be a floor of 1/4 of an equal share).
    assert result["weekly_logins"].suggested_share == 0


def test_the_same_example_with_retained_accounts_where_nothing_fell_still_gives_75_25():
    cases = _cases(churned={"a": 12, "n": 4}, retained={"a": 0, "n": 0}, n=15)
    result = {ev.key: ev.suggested_share for ev in suggest_weights(cases, {"a": 0.5, "n": 0.5}).signals}
    assert result == {"a": pytest.approx(0.75), "n": pytest.approx(0.25)}


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
    assert by_key["x"].suggested_share == pytest.approx(1.0)
    assert by_key["y"].suggested_share == 0 and by_key["z"].suggested_share == 0
    assert [ev.key for ev in result.signals][0] == "x"
    assert (by_key["x"].churned_deteriorated, by_key["x"].churned_total) == (9, 10)
    assert (by_key["x"].retained_deteriorated, by_key["x"].retained_total) == (1, 10)
    assert result.enough


def test_it_shares_weight_in_proportion_to_the_excess_deterioration_rate():
    cases = _cases(churned={"x": 9, "y": 5, "z": 0}, retained={"x": 1, "y": 1, "z": 0})
    result = {ev.key: ev for ev in suggest_weights(cases, {"x": 0.5, "y": 0.3, "z": 0.2}).signals}
    # x: 0.9 − 0.1 = 0.8; y: 0.5 − 0.1 = 0.4; z: 0 → x : y = 2 : 1.
    assert result["x"].suggested_share == pytest.approx(2 / 3)
    assert result["y"].suggested_share == pytest.approx(1 / 3)
    assert result["z"].suggested_share == 0


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
    assert by_key["x"].suggested_share == pytest.approx(1.0)
    assert by_key["x"].current_share == pytest.approx(0.4)
    assert by_key["z"].current_share == pytest.approx(0.3)
    # Every account had the same sub-scores 90 days before: nothing to fit, the frequency method is used.
    assert result.fit is None and result.method == "frequency"


def test_it_needs_the_guides_ten_churned_and_ten_retained_accounts():
    assert (MIN_CHURNED, MIN_RETAINED) == (10, 10)
    assert suggest_weights(_cases(churned={"x": 9}, retained={"x": 0}, n=9), {"x": 1.0}).enough is False
    assert suggest_weights(_cases(churned={"x": 9}, retained={"x": 0}, n=10, n_retained=9), {"x": 1.0}).enough is False
    assert suggest_weights(_cases(churned={"x": 9}, retained={"x": 0}, n=10), {"x": 1.0}).enough is True
