"""Three accounts scored by hand with the standard model (tests/factories.py), then by the recompute.

Category weights: usage 40, engagement 20, support 15, relationship 15, commercial 10 (Σ 100).
Signals (bad → good, aggregation, weight in category):
  usage:        active_user_rate 10 → 70 (mean, half-life 14d, decay) 60 · weekly_logins 0 → 3 (mean, decay) 40
  engagement:   core_feature_adoption 10 → 50 (latest, exclude) 100
  support:      open_tickets 5 → 0 (latest, neutral) 50 · ticket_age_days 21 → 1 (latest, neutral) 50
  relationship: nps −50 → 50 (mean, neutral) 100
  commercial:   days_to_renewal 15 → 120 (latest, neutral) 30 · payment_health 0 → 100 (latest, neutral) 70
"""

from __future__ import annotations

import pytest

from scoring.models import AccountScore, Override
from scoring.services import scores_recompute
from tests.factories import AccountFactory, observe
from tests.scoring.conftest import DAY, NOW


def _observe_all(account, signals, values: dict[str, float], age=DAY):
    for key, value in values.items():
        observe(account, signals[key], value, NOW - age)


@pytest.fixture
def accounts(scoring_setup):
    s = scoring_setup.signals
    healthy, patchy, failing = AccountFactory(), AccountFactory(), AccountFactory()
    _observe_all(healthy, s, {
        "active_user_rate": 55,     # (55 − 10) / 60 = 75
        "weekly_logins": 2.25,      # 2.25 / 3 = 75             → usage 75
        "core_feature_adoption": 42,  # (42 − 10) / 40 = 80     → engagement 80
        "open_tickets": 1,          # (1 − 5) / (0 − 5) = 80
        "ticket_age_days": 5,       # (5 − 21) / (1 − 21) = 80  → support 80
        "nps": 30,                  # (30 + 50) / 100 = 80      → relationship 80
        "days_to_renewal": 99,      # (99 − 15) / 105 = 80
        "payment_health": 90,       # 90  → commercial .3·80 + .7·90 = 87
    })
    # healthy = .40·75 + .20·80 + .15·80 + .15·80 + .10·87 = 30 + 16 + 12 + 12 + 8.7 = 78.7 → green

    _observe_all(patchy, s, {
        "weekly_logins": 1.5,       # 1.5 / 3 = 50; active_user_rate never reported (decay: excluded) → usage 50
        "open_tickets": 2.5,        # (2.5 − 5) / −5 = 50; ticket_age missing → neutral 50 → support 50
        "days_to_renewal": 57,      # (57 − 15) / 105 = 40
        "payment_health": 100,      # 100 → commercial .3·40 + .7·100 = 82
    })
    # core_feature_adoption missing (exclude) → engagement drops out: ΣW = 40 + 15 + 15 + 10 = 80
    # nps missing → neutral 50
    # patchy = (40·50 + 15·50 + 15·50 + 10·82) / 80 = (2000 + 750 + 750 + 820) / 80 = 54.0 → yellow

    observe(failing, s["active_user_rate"], 46, NOW)              # weight 1
    observe(failing, s["active_user_rate"], 10, NOW - 14 * DAY)   # weight .5 (one half-life)
    # decayed mean (46 + 5) / 1.5 = 34 → (34 − 10) / 60 = 40
    observe(failing, s["weekly_logins"], 30, NOW - 40 * DAY)      # stale (> 30 days) → decay policy → 0
    # usage = .6·40 + .4·0 = 24
    _observe_all(failing, s, {
        "core_feature_adoption": 14,  # (14 − 10) / 40 = 10
        "open_tickets": 10,         # (10 − 5) / −5 < 0 → 0
        "ticket_age_days": 11,      # (11 − 21) / −20 = 50  → support 25
        "nps": -20,                 # 30
        "days_to_renewal": 120,     # 100
        "payment_health": 50,       # 50 → commercial 30 + 35 = 65
    })
    # failing = .4·24 + .2·10 + .15·25 + .15·30 + .1·65 = 9.6 + 2 + 3.75 + 4.5 + 6.5 = 26.35 → red
    return healthy, patchy, failing


def test_it_scores_three_accounts_as_computed_by_hand(accounts):
    healthy, patchy, failing = accounts
    scores_recompute(account_ids=[a.pk for a in accounts], now=NOW)
    got = {a.account_id: a for a in AccountScore.objects.all()}
    assert (got[healthy.pk].score, got[healthy.pk].tier) == (pytest.approx(78.7), "green")
    assert (got[patchy.pk].score, got[patchy.pk].tier) == (pytest.approx(54.0), "yellow")
    assert (got[failing.pk].score, got[failing.pk].tier) == (pytest.approx(26.35), "red")

    signals = {s["key"]: s for s in got[failing.pk].components["signals"]}
    assert signals["active_user_rate"]["value"] == pytest.approx(34.0)
    assert signals["active_user_rate"]["sub_score"] == pytest.approx(40.0)
    assert signals["weekly_logins"]["status"] == "stale"
    assert signals["weekly_logins"]["sub_score"] == 0.0
    # weekly_logins: share .4·.4 = .16 → loses 16 points
    assert signals["weekly_logins"]["points_lost"] == pytest.approx(16.0)
    patchy_signals = {s["key"]: s for s in got[patchy.pk].components["signals"]}
    assert patchy_signals["core_feature_adoption"]["weight_share"] == 0
    # weekly_logins carries all of usage: 40/80 = .5
    assert patchy_signals["weekly_logins"]["weight_share"] == pytest.approx(0.5)
    for score in got.values():
        assert sum(s["contribution"] for s in score.components["signals"]) == pytest.approx(score.score, abs=0.01)


def test_it_caps_the_failing_account_with_an_override(accounts):
    *_, failing = accounts
    o = Override.objects.create(account=failing, reason="champion_left", effect="cap", value=20,
                                expires_at=NOW + 30 * DAY)
    Override.objects.filter(pk=o.pk).update(created_at=NOW - DAY)
    scores_recompute(account_ids=[failing.pk], now=NOW)
    score = AccountScore.objects.get(account=failing)
    # 26.35 capped at 20: −6.35
    assert score.score == 20.0
    assert score.components["raw_score"] == pytest.approx(26.35)
    assert score.components["override"]["points"] == pytest.approx(-6.35)
    assert score.components["top_reasons"][0] == "Champion left: capped at 20: \u22126.4"


def test_it_ignores_an_expired_override_when_recomputing(accounts):
    *_, failing = accounts
    o = Override.objects.create(account=failing, reason="budget_freeze", effect="cap", value=20,
                                expires_at=NOW - DAY)
    Override.objects.filter(pk=o.pk).update(created_at=NOW - 10 * DAY)
    scores_recompute(account_ids=[failing.pk], now=NOW)
    score = AccountScore.objects.get(account=failing)
    assert score.score == pytest.approx(26.35)
    assert score.components["override"] is None
