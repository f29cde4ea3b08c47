"""Tier stability: a new tier takes effect after holding hold_days (7) days; rapid declines act at once."""

from __future__ import annotations

import datetime as dt

from scoring.engine import AccountResult, History, PriorState, SignalAggregate, compute_account
from tests.scoring.conftest import DAY, NOW, model, sig

M = model(sig("a", id=1))  # green ≥ 75, yellow ≥ 50, hold 7 days, rapid decline 20 points in 30 days


def run(scores: list[float], start_prior: PriorState | None = None) -> list[AccountResult]:
    """Score one account once a day, each day's state feeding the next (as the daily recompute does)."""
    prior, past, out = start_prior, {}, []
    for i, score in enumerate(scores):
        now = NOW + i * DAY
        today = now.date()
        peak = max((past[today - dt.timedelta(days=d)] for d in range(1, 31) if today - dt.timedelta(days=d) in past),
                   default=None)
        r = compute_account(model=M, aggregates={1: SignalAggregate(newest_at=now, latest=score)}, now=now,
                            prior=prior, history=History(peak=peak))
        past[today] = r.score
        prior = PriorState(tier=r.tier, tier_since=r.tier_since, pending_tier=r.pending_tier, pending_since=r.pending_since)
        out.append(r)
    return out


def test_it_holds_the_tier_for_six_days_and_changes_it_on_day_seven():
    # Green at 80 for 3 days, then yellow (70) from day 1 of the new tier on; 70 is not a rapid decline (−10).
    results = run([80, 80, 80] + [70] * 8)
    yellow_days = results[3:]
    assert [r.raw_tier for r in yellow_days] == ["yellow"] * 8
    assert [r.tier for r in yellow_days[:6]] == ["green"] * 6          # days 1–6 of yellow: held
    assert yellow_days[5].pending_tier == "yellow"
    assert yellow_days[5].pending_since == (NOW + 3 * DAY).date()
    assert yellow_days[6].tier == "yellow"                              # day 7: changes
    assert yellow_days[6].tier_since == (NOW + 9 * DAY).date()
    assert yellow_days[6].pending_tier == ""


def test_it_restarts_the_hold_when_the_raw_tier_bounces_back():
    results = run([80, 70, 70, 70, 80, 70, 70, 70, 70, 70, 70])
    assert results[4].tier == "green" and results[4].pending_tier == ""
    # The second yellow spell starts on day index 5: held through index 10 (6 days)
    assert [r.tier for r in results[5:11]] == ["green"] * 6


def test_it_acts_at_once_on_a_rapid_decline():
    # 85 → 60: 25 points within 30 days (≥ 20) → yellow immediately.
    results = run([85, 85, 60])
    assert results[2].tier == "yellow"
    assert results[2].trend == "rapid_decline"


def test_it_does_not_bypass_the_hold_on_a_decline_under_the_threshold():
    results = run([85, 85, 66])  # −19
    assert results[2].tier == "green"
    assert results[2].pending_tier == "yellow"


def test_it_holds_upgrades_too():
    results = run([40] + [80] * 7)
    assert [r.tier for r in results[1:7]] == ["red"] * 6
    assert results[7].tier == "green"


def test_it_takes_the_raw_tier_without_prior_state():
    (r,) = run([55])
    assert (r.tier, r.tier_since, r.pending_tier) == ("yellow", NOW.date(), "")
