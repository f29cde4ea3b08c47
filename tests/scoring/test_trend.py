"""Trend: 7/30/90-day deltas and a label."""

from __future__ import annotations

from scoring.engine import History, trend
from tests.scoring.conftest import model, sig

M = model(sig("a", id=1))


def test_it_reports_deltas():
    label, deltas = trend(60.0, History(past={7: 62.5, 30: 58, 90: 70}), M)
    assert deltas[7] == -2.5 and deltas[30] == 2.0 and deltas[90] == -10.0
    assert deltas[60] is None


def test_it_labels_a_rapid_decline():
    label, _ = trend(60.0, History(past={7: 82}, peak=82), M)  # −22 within 30 days
    assert label == "rapid_decline"


def test_it_labels_a_sustained_fall_over_60_to_90_days_as_gradual_decline():
    label, _ = trend(60.0, History(past={90: 75, 60: 70, 30: 65, 7: 61}, peak=66), M)
    assert label == "gradual_decline"


def test_it_does_not_call_a_recovered_dip_a_gradual_decline():
    # Down 15 over 90 days, but up since 30 days ago: not sustained.
    label, _ = trend(60.0, History(past={90: 75, 60: 50, 30: 55}, peak=61), M)
    assert label == "improving"


def test_it_labels_improving_and_stable():
    assert trend(70.0, History(past={30: 60}), M)[0] == "improving"
    assert trend(70.0, History(past={30: 68, 90: 72}), M)[0] == "stable"
    assert trend(70.0, None, M)[0] == "stable"
