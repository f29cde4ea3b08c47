"""Change-log summaries say why a tier changed: the hold that ran out, or a rapid decline."""

from __future__ import annotations

from scoring.changelog import describe_change
from scoring.engine import History, PriorState, SignalAggregate, compute_account
from scoring.services import scores_recompute
from tests.factories import AccountFactory, observe
from tests.scoring.conftest import DAY, NOW, model, sig

LOGINS = {"signals": [{"key": "logins", "label": "Logins per week", "contribution": 40.0}]}
LOGINS_LOW = {"signals": [{"key": "logins", "label": "Logins per week", "contribution": 32.0}]}


def test_it_says_a_held_tier_changed_after_its_hold_when_the_score_did_not_move():
    _, summary = describe_change(before=LOGINS, after=LOGINS, from_score=53.2, to_score=53.2, from_tier="red",
                                 to_tier="yellow", hold_days=7)
    assert summary == "Tier red \u2192 yellow after holding 7 days (score 53)"


def test_it_leads_a_rapid_decline_with_the_fall_and_adds_what_moved():
    _, summary = describe_change(before=LOGINS, after=LOGINS_LOW, from_score=56.0, to_score=48.0, from_tier="yellow",
                                 to_tier="red", hold_days=7, decline=-23.4, decline_days=30)
    assert summary == "Rapid decline: \u221223 in 30 days, tier yellow \u2192 red; \u22128: logins per week \u22128"


def test_it_reports_the_decline_from_the_peak_in_the_engine_result():
    logins = sig("logins", aggregation="latest")
    m = model(logins)
    r = compute_account(model=m, aggregates={logins.id: SignalAggregate(newest_at=NOW - DAY, latest=30.0)}, now=NOW,
                        prior=PriorState(tier="yellow"), history=History(peak=56.0))
    # 30 is 26 below the 30-day peak of 56 (≥ 20): a rapid decline, red at once.
    assert (r.tier, r.decline, r.decline_days, r.hold_days) == ("red", -26.0, 30, 7)
    calm = compute_account(model=m, aggregates={logins.id: SignalAggregate(newest_at=NOW - DAY, latest=50.0)},
                           now=NOW, prior=PriorState(tier="yellow"), history=History(peak=56.0))
    assert calm.decline is None


def test_it_writes_the_hold_reason_into_the_stored_entry(scoring_setup, settings):
    settings.SCORE_CHANGE_MIN_POINTS = 50
    s = scoring_setup.signals
    account = AccountFactory()
    observe(account, s["weekly_logins"], 3, NOW - 10 * DAY, source="old")
    observe(account, s["open_tickets"], 0, NOW - 10 * DAY, source="old")
    scores_recompute(account_ids=[account.pk], now=NOW - 8 * DAY)  # (4000 + 1125 + 750 + 500) / 80 = 79.69 green
    observe(account, s["open_tickets"], 5, NOW - 7 * DAY, source="b")  # support 25: 79.69 − 9.38 = 70.31 yellow
    changes = []
    for back in range(7, -1, -1):
        # Logins keep arriving (a week's silence would decay them: the "decay" missing policy).
        observe(account, s["weekly_logins"], 3, NOW - back * DAY, source=f"day{back}")
        changes += scores_recompute(account_ids=[account.pk], now=NOW - back * DAY).changes
    # Raw yellow from NOW − 7 days; the effective tier follows on day 7 (NOW − 1 day), the score flat at 70.31.
    # The entry compares with the last entry (the first score, 79.69), not with yesterday (70.31): the
    # move that the tier change follows is in it.
    (change,) = changes
    assert change.summary == "Tier green \u2192 yellow after holding 7 days (score 70); \u22129: open support tickets \u22129"
    assert (round(change.from_score, 2), round(change.to_score, 2)) == (79.69, 70.31)


def test_a_red_49_7_reads_49_in_the_summary_like_everywhere_else():
    """A summary never shows a number on the other side of the tier's threshold (49.7 is red)."""
    _, summary = describe_change(before=LOGINS, after=LOGINS, from_score=52.0, to_score=49.7, from_tier="yellow",
                                 to_tier="red", hold_days=7)
    assert summary == "Tier yellow \u2192 red after holding 7 days (score 49)"
    _, first = describe_change(before=None, after=LOGINS, from_score=None, to_score=49.9, to_tier="red")
    assert first == "First score: 49 (red)"
