"""Each aggregation over its window, on the Python reference aggregation."""

from __future__ import annotations

import pytest

from scoring.engine import Obs, aggregate_observations, signal_value
from tests.scoring.conftest import DAY, NOW, sig

# Observations 1, 5, 12 days ago (in a 10-day window: the first two), 15 and 18 days
# ago (previous window, 10–20 days), 25 days ago (outside both).
SERIES = [Obs(NOW - 1 * DAY, 4.0), Obs(NOW - 5 * DAY, 6.0), Obs(NOW - 12 * DAY, 1.0),
          Obs(NOW - 15 * DAY, 3.0), Obs(NOW - 25 * DAY, 100.0)]


def value(aggregation: str, series=SERIES, **kw) -> float | None:
    s = sig(aggregation=aggregation, window_days=10, stale_after_days=30, **kw)
    return signal_value(s, aggregate_observations(s, series, NOW))


def test_it_takes_the_latest_value():
    assert value("latest") == 4.0


def test_it_ignores_observations_after_now():
    assert value("latest", [*SERIES, Obs(NOW + DAY, 99.0)]) == 4.0


def test_it_averages_over_the_window():
    # 4 and 6 are inside the 10-day window: (4 + 6) / 2
    assert value("mean") == pytest.approx(5.0)


def test_it_sums_over_the_window():
    assert value("sum") == pytest.approx(10.0)


def test_it_counts_over_the_window():
    assert value("count") == pytest.approx(2.0)


def test_it_computes_percent_change_vs_the_previous_window():
    # window: 4 + 6 = 10; previous window (10–20 days ago): 1 + 3 = 4 → +150 %
    assert value("pct_change") == pytest.approx(150.0)


def test_it_has_no_percent_change_without_a_previous_window():
    assert value("pct_change", SERIES[:2]) is None


def test_it_sums_to_zero_when_the_window_is_silent():
    # Activity 12 and 15 days ago, none in the last 10 days: recent silence is 0, not "no data".
    assert value("sum", SERIES[2:4]) == 0.0
    assert value("mean", SERIES[2:4]) is None
