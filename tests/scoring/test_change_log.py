"""Change-log entries: on a tier change or a move of at least SCORE_CHANGE_MIN_POINTS, with per-signal deltas."""

from __future__ import annotations

import pytest

from scoring.models import ScoreChange
from scoring.services import scores_recompute
from tests.factories import AccountFactory, observe
from tests.scoring.conftest import DAY, NOW


@pytest.fixture
def account(scoring_setup):
    s = scoring_setup.signals
    a = AccountFactory()
    observe(a, s["weekly_logins"], 3, NOW - 2 * DAY)   # 100 → usage (alone) 100
    observe(a, s["open_tickets"], 0, NOW - 2 * DAY)     # 100; ticket age missing → 50 → support 75
    return a


def test_it_logs_a_large_move_with_the_signals_that_moved(account, scoring_setup, settings):
    settings.SCORE_CHANGE_MIN_POINTS = 5
    s = scoring_setup.signals
    # Day 1: usage 100 (w 40), support 75 (w 15), relationship neutral 50 (w 15), commercial neutral 50 (w 10)
    # → (4000 + 1125 + 750 + 500) / 80 = 79.69
    scores_recompute(account_ids=[account.pk], now=NOW - DAY)
    # Day 2: 13 logins and 4 open tickets arrive.
    observe(account, s["weekly_logins"], 1.5, NOW - DAY / 4, source="b")
    observe(account, s["open_tickets"], 2.5, NOW - DAY / 4, source="b")
    # logins, decayed mean at NOW: 25 (2 days old, weight 2^(−2/14) = .9057) and 13 (weight 2^(−.25/14) = .9877)
    # → (25·.9057 + 13·.9877) / 1.8934 = 18.74 → (18.74 − 1)/24 = 73.92 → share .5 → 36.96, was 50: −13.04
    # open tickets 4 → 50; share 15/80 · .5 = .09375 → 4.69, was 9.38: −4.69
    # score 36.96 + 9.375 (support) + 9.375 + 6.25 (neutral) = 61.96: −17.73 → logged (≥ 5)
    result = scores_recompute(account_ids=[account.pk], now=NOW)
    (change,) = result.changes
    assert change.cause == "data"
    # −17.7 is no rapid decline (< 20): the effective tier holds green for now.
    assert (change.from_tier, change.to_tier, change.tier_changed) == ("green", "green", False)
    assert change.from_score == pytest.approx(79.69)
    assert change.to_score == pytest.approx(61.96)
    assert [d["signal"] for d in change.signal_deltas] == ["weekly_logins", "open_tickets"]
    assert change.signal_deltas[0]["delta"] == pytest.approx(-13.04)
    assert change.signal_deltas[1]["delta"] == pytest.approx(-4.69, abs=0.015)
    assert change.summary == "\u221218: logins per week \u221213, open support tickets \u22125"
    assert ScoreChange.objects.get(date=NOW.date()).pk == change.pk


def test_it_logs_a_tier_change_even_for_a_small_move(scoring_setup, settings):
    settings.SCORE_CHANGE_MIN_POINTS = 50
    s = scoring_setup.signals
    account = AccountFactory()
    observe(account, s["weekly_logins"], 3, NOW - 10 * DAY, source="old")
    observe(account, s["open_tickets"], 0, NOW - 10 * DAY, source="old")
    scores_recompute(account_ids=[account.pk], now=NOW - 8 * DAY)  # 79.69 green
    observe(account, s["open_tickets"], 5, NOW - 7 * DAY, source="b")  # support 25: 79.69 − 9.38 = 70.31
    changes = []
    for back in range(7, -1, -1):
        changes += scores_recompute(account_ids=[account.pk], now=NOW - back * DAY).changes
    # Yellow from NOW − 7 days; held 6 days, effective on day 7 (NOW − 1 day).
    (change,) = changes
    assert (change.date, change.from_tier, change.to_tier, change.tier_changed) == (
        (NOW - DAY).date(), "green", "yellow", True)


def test_it_logs_nothing_for_a_small_move_in_the_same_tier(account, scoring_setup, settings):
    settings.SCORE_CHANGE_MIN_POINTS = 5
    s = scoring_setup.signals
    scores_recompute(account_ids=[account.pk], now=NOW - DAY)
    observe(account, s["open_tickets"], 0.625, NOW - DAY / 4, source="b")  # 87.5: support −6.25 → score −1.17
    result = scores_recompute(account_ids=[account.pk], now=NOW)
    assert result.changes == []
    assert not ScoreChange.objects.filter(date=NOW.date()).exists()  # only yesterday's first score
