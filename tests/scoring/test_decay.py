"""Recency decay: weight 2^(−age / half-life)."""

from __future__ import annotations

import pytest

from scoring.engine import Obs, aggregate_observations, signal_value
from tests.scoring.conftest import DAY, NOW, sig


def test_it_weighs_old_observations_less_in_a_mean():
    # 10 today (weight 1) and 40 fourteen days ago (weight 0.5, half-life 14):
    # (10·1 + 40·0.5) / 1.5 = 20, where the plain mean would be 25.
    series = [Obs(NOW, 10.0), Obs(NOW - 14 * DAY, 40.0)]
    decayed = sig(aggregation="mean", window_days=30, half_life_days=14)
    plain = sig(aggregation="mean", window_days=30)
    assert signal_value(decayed, aggregate_observations(decayed, series, NOW)) == pytest.approx(20.0)
    assert signal_value(plain, aggregate_observations(plain, series, NOW)) == pytest.approx(25.0)


def test_it_lets_recent_silence_pull_a_decayed_sum_down():
    # Heavy use 28 days ago, then four weeks of silence: with a 7-day half-life the
    # 100 logins count for 100 · 2^(−4) = 6.25; without decay they would still count 100.
    series = [Obs(NOW - 28 * DAY, 100.0)]
    decayed = sig(aggregation="sum", window_days=30, half_life_days=7, stale_after_days=60)
    plain = sig(aggregation="sum", window_days=30, stale_after_days=60)
    assert signal_value(decayed, aggregate_observations(decayed, series, NOW)) == pytest.approx(6.25)
    assert signal_value(plain, aggregate_observations(plain, series, NOW)) == pytest.approx(100.0)


def test_it_decays_a_count():
    # Two events: today (1) and 10 days ago (2^(−10/10) = 0.5) → 1.5
    series = [Obs(NOW, 1.0), Obs(NOW - 10 * DAY, 1.0)]
    s = sig(aggregation="count", window_days=30, half_life_days=10)
    assert signal_value(s, aggregate_observations(s, series, NOW)) == pytest.approx(1.5)


def test_it_does_not_decay_the_latest_value():
    s = sig(aggregation="latest", half_life_days=1)
    assert signal_value(s, aggregate_observations(s, [Obs(NOW - 5 * DAY, 30.0)], NOW)) == 30.0
