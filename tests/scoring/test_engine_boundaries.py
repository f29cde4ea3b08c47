"""Engine boundaries and fallbacks, one hand-computed case each (the mutants of ``make mutation``).

Each test pins one choice that a plausible slip would change: a ``>=`` that must not be ``>``, a
fallback that must be there, a rounding rule, a count.
"""

from __future__ import annotations

import datetime as dt

import pytest

from scoring.engine import (
    History,
    OverrideSpec,
    PriorState,
    SignalAggregate,
    _fmt,
    compute_account,
    effective_tier,
    is_rapid_decline,
    score_components,
    signal_value,
    tier_for,
    trend,
)
from tests.scoring.conftest import DAY, NOW, model, sig

TODAY = NOW.date()
M = model(sig("a"))


def _ok(value: float, age_days: float = 1) -> SignalAggregate:
    return SignalAggregate(newest_at=NOW - age_days * DAY, latest=value, n=1, wsum=value, wtot=1, vsum=value)


# --- tiers -----------------------------------------------------------------------------------

@pytest.mark.parametrize("score, tier", [(75.0, "green"), (74.99, "yellow"), (50.0, "yellow"), (49.99, "red")])
def test_a_score_on_a_threshold_is_in_the_upper_tier(score, tier):
    assert tier_for(score, M) == tier


# --- rapid decline and the hold ---------------------------------------------------------------

def test_a_fall_of_exactly_the_rapid_decline_points_is_a_rapid_decline():
    history = History(past={30: 80.0}, peak=80.0)
    assert is_rapid_decline(60.0, history, M) and not is_rapid_decline(60.01, history, M)
    assert trend(60.0, history, M)[0] == "rapid_decline"
    prior = PriorState(tier="yellow", tier_since=TODAY - 40 * DAY)
    assert effective_tier(raw_tier="red", score=40.0, today=TODAY, prior=prior,
                          history=History(peak=60.0), model=M)[0] == "red"


def test_a_rapid_decline_never_skips_the_hold_of_an_upgrade():
    """Red yesterday, 75 today but 20 below the window's peak: the upgrade still waits its 7 days."""
    prior = PriorState(tier="red", tier_since=TODAY - 3 * DAY)
    tier, _since, pending, pending_since = effective_tier(
        raw_tier="green", score=75.0, today=TODAY, prior=prior, history=History(peak=95.0), model=M)
    assert (tier, pending, pending_since) == ("red", "green", TODAY)


def test_a_new_pending_tier_restarts_the_hold_clock():
    """Pending yellow for 10 days, then the raw tier drops to red: red starts its own 7 days today."""
    prior = PriorState(tier="green", tier_since=TODAY - 60 * DAY, pending_tier="yellow",
                       pending_since=TODAY - 10 * DAY)
    assert effective_tier(raw_tier="red", score=40.0, today=TODAY, prior=prior, history=None, model=M) == (
        "green", TODAY - 60 * DAY, "red", TODAY)


@pytest.mark.parametrize("days_ago, tier", [(6, "yellow"), (5, "green")])
def test_the_first_day_of_the_hold_counts(days_ago, tier):
    """hold_days 7: pending since 6 days ago is its 7th day, so the tier changes today."""
    prior = PriorState(tier="green", tier_since=TODAY - 60 * DAY, pending_tier="yellow",
                       pending_since=TODAY - days_ago * DAY)
    assert effective_tier(raw_tier="yellow", score=60.0, today=TODAY, prior=prior, history=None, model=M)[0] == tier


# --- trend -----------------------------------------------------------------------------------

def test_a_gradual_decline_needs_a_lower_score_at_every_checkpoint():
    flat_middle = History(past={90: 80.0, 60: 75.0, 30: 75.0})
    assert trend(68.0, flat_middle, M)[0] == "stable"
    assert trend(68.0, History(past={90: 80.0, 60: 76.0, 30: 75.0}), M)[0] == "gradual_decline"


def test_a_fall_of_exactly_ten_points_over_ninety_days_is_a_gradual_decline():
    assert trend(70.0, History(past={90: 80.0, 60: 77.0, 30: 74.0}), M)[0] == "gradual_decline"


def test_the_trend_falls_back_to_sixty_days_without_a_ninety_day_score():
    """A 70-day-old account: no score 90 days ago, so the 60-day delta decides."""
    label, deltas = trend(68.0, History(past={60: 80.0, 30: 75.0}), M)
    assert (label, deltas[90], deltas[60]) == ("gradual_decline", None, -12.0)
    assert trend(92.0, History(past={60: 80.0, 30: 90.0}), M)[0] == "improving"


def test_five_points_up_in_thirty_days_is_improving():
    assert trend(75.0, History(past={30: 70.0}), M)[0] == "improving"
    assert trend(74.99, History(past={30: 70.0}), M)[0] == "stable"


# --- weights and data --------------------------------------------------------------------------

def test_a_category_whose_signals_all_weigh_zero_takes_no_share():
    """Support weighs 1 but its only signal weighs 0: the score is usage's alone (100), not 50."""
    a, b = sig("usage_a", category="usage"), sig("support_b", category="support", weight=0.0)
    spec = model(a, b, cats={"usage": 1.0, "support": 1.0})
    c = score_components(spec, {a.id: _ok(100.0), b.id: _ok(0.0)}, NOW)
    assert c["score"] == 100.0
    assert [s["weight_share"] for s in c["signals"] if s["key"] == "support_b"] == [0.0]


def test_a_signal_exactly_stale_after_days_old_is_stale():
    s = sig("a", stale_after_days=30, missing_policy="zero")
    c = score_components(model(s), {s.id: _ok(80.0, age_days=30)}, NOW)
    assert c["signals"][0]["status"] == "stale" and c["score"] == 0.0
    c = score_components(model(s), {s.id: _ok(80.0, age_days=29.99)}, NOW)
    assert c["signals"][0]["status"] == "ok" and c["score"] == 80.0


@pytest.mark.parametrize("age_days, status", [(5, "missing"), (40, "stale")])
def test_a_value_that_cannot_be_computed_is_missing_inside_the_window_and_stale_beyond(age_days, status):
    """% change with no previous window: no value. Recent data → "missing"; only old data → "stale"."""
    s = sig("growth", aggregation="pct_change", window_days=30, stale_after_days=90)
    agg = SignalAggregate(newest_at=NOW - age_days * DAY, n=1, vsum=10.0, wsum=10.0, wtot=1.0, pn=0, psum=0.0)
    assert score_components(model(s), {s.id: agg}, NOW)["signals"][0]["status"] == status


def test_a_mean_without_weight_in_the_window_has_no_value():
    s = sig("m", aggregation="mean")
    assert signal_value(s, SignalAggregate(newest_at=NOW - DAY, n=0, wsum=0.0, wtot=0.0)) is None


def test_pct_change_over_a_negative_previous_window_keeps_its_sign():
    """From −10 to −5 is up by half: +50 %, not −50 %."""
    s = sig("net", aggregation="pct_change")
    agg = SignalAggregate(newest_at=NOW - DAY, n=1, vsum=-5.0, wsum=-5.0, wtot=1.0, pn=1, psum=-10.0)
    assert signal_value(s, agg) == 50.0


def test_pct_change_reads_two_windows_back():
    assert sig("g", aggregation="pct_change", window_days=30, stale_after_days=30).horizon_days == 60
    assert sig("m", aggregation="mean", window_days=30, stale_after_days=30).horizon_days == 30


def test_only_windowed_aggregations_decay():
    assert sig("l", aggregation="latest", half_life_days=7).decay_rate == 0.0
    assert sig("m", aggregation="mean", half_life_days=7).decay_rate > 0


def test_an_account_with_exactly_the_minimum_data_share_gets_a_tier():
    a, b = sig("a"), sig("b")
    spec = model(a, b, min_data_share=0.5)
    result = compute_account(model=spec, aggregates={a.id: _ok(90.0)}, now=NOW)
    assert (result.tier, "not_enough_data" in result.components) == ("green", False)


# --- overrides -----------------------------------------------------------------------------------

def _override(**kw) -> OverrideSpec:
    values = dict(id=7, reason="champion_left", effect="cap", value=40.0, expires_at=NOW + 10 * DAY)
    values.update(kw)
    return OverrideSpec(**values)


def test_an_override_is_in_force_from_the_instant_it_was_created():
    assert _override(created_at=NOW).active(NOW)
    assert not _override(created_at=NOW + dt.timedelta(seconds=1)).active(NOW)


def test_an_override_ends_at_its_expiry_instant():
    assert not _override(expires_at=NOW).active(NOW)
    assert _override(expires_at=NOW + dt.timedelta(seconds=1)).active(NOW)


def test_a_penalty_never_takes_the_score_below_zero():
    assert _override(effect="penalty", value=30.0).apply(20.0) == 0.0


# --- explanation ---------------------------------------------------------------------------------

@pytest.mark.parametrize("value, text", [(0.25, "0.3"), (6.45, "6.5"), (6.35, "6.4"), (-2.25, "\u22122.3")])
def test_shown_numbers_round_half_up(value, text):
    assert _fmt(value) == text


def test_the_explanation_gives_the_three_biggest_losses_of_a_point_or_more():
    signals = [sig(f"s{n}") for n in range(5)]
    values = {0: 10.0, 1: 20.0, 2: 30.0, 3: 40.0, 4: 99.0}  # s4 loses 0.2 points: never a reason
    c = score_components(model(*signals), {s.id: _ok(values[n]) for n, s in enumerate(signals)}, NOW)
    assert [r.split(" ")[0] for r in c["top_reasons"]] == ["S0", "S1", "S2"]
    two = score_components(model(*signals[3:]), {s.id: _ok(values[n + 3]) for n, s in enumerate(signals[3:])}, NOW)
    assert [r.split(" ")[0] for r in two["top_reasons"]] == ["S3"]
