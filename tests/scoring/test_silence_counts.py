"""Silence counts (issue #15): for EACH usage signal of the standard model, data that stops arriving
lowers the score — never raises it (the old "exclude" policy took active-user rate 82 → 90), never
leaves it unchanged while the stale mean still sits in the window (the old "zero" policy on logins).
The explanation says "no data since …, counted as …"."""

from __future__ import annotations

import pytest

from scoring.models import AccountScore
from scoring.services import scores_recompute
from scoring.standard import STANDARD_SIGNALS
from tests.factories import AccountFactory, observe
from tests.scoring.conftest import DAY, NOW

USAGE = [row[0] for row in STANDARD_SIGNALS if row[2] == "usage"]
# Every signal reported daily for 60 days; the usage signals a little below the others, so that
# dropping one out of the average (the old "exclude") would raise the score.
VALUES = {"active_user_rate": 40, "weekly_logins": 1.5, "core_feature_adoption": 50, "open_tickets": 0,
          "ticket_age_days": 1, "nps": 50, "days_to_renewal": 120, "payment_health": 100}


def test_the_standard_model_has_usage_signals_and_all_of_them_decay():
    assert USAGE == ["active_user_rate", "weekly_logins"]
    assert {row[9] for row in STANDARD_SIGNALS if row[0] in USAGE} == {"decay"}


@pytest.mark.parametrize("key", USAGE)
def test_silence_lowers_the_score_for_each_usage_signal(scoring_setup, key):
    s = scoring_setup.signals
    steady, quiet = AccountFactory(), AccountFactory()
    for d in range(60):
        for k, value in VALUES.items():
            observe(steady, s[k], value, NOW - d * DAY)
            if not (k == key and d < 40):  # quiet: this one signal stopped 40 days ago
                observe(quiet, s[k], value, NOW - d * DAY)
    scores = {}
    for days in (35, 20, 10, 0):  # 5, 20, 30 and 40 days of silence
        at = NOW - days * DAY
        scores_recompute(account_ids=[steady.pk, quiet.pk], now=at)
        got = dict(AccountScore.objects.values_list("account_id", "score"))
        scores[40 - days] = (got[steady.pk], got[quiet.pk])
    assert scores[5][1] == scores[5][0]                 # a few quiet days are within the grace week
    for silent in (20, 30, 40):
        assert scores[silent][1] < scores[silent][0]    # lower than the account whose data kept coming
    assert scores[40][1] < scores[20][1]                # and lower the longer it lasts
    assert scores[40][0] == scores[5][0]                # the steady account did not move
    components = AccountScore.objects.get(account=quiet).components
    label = s[key].label
    since = f"{(NOW - 40 * DAY).date():%Y-%m-%d}"
    assert any(r.startswith(f"{label}: no data since {since}, counted as 0 of 100") for r in components["top_reasons"])
