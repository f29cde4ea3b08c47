"""A full run (pipelined over three connections on PostgreSQL) stores what a run over the same
accounts as a list stores: same scores, snapshots and change-log entries."""

from __future__ import annotations

import pytest

from accounts.models import Account
from scoring.models import AccountScore, Override, ScoreChange, ScoreSnapshot
from scoring.services import scores_recompute
from tests.factories import AccountFactory, observe, standard_scoring_setup
from tests.scoring.conftest import DAY, NOW


def _stored() -> tuple:
    scores = list(AccountScore.objects.order_by("account_id").values_list("account_id", "score", "tier", "components"))
    snaps = list(ScoreSnapshot.objects.order_by("account_id", "date").values_list(
        "account_id", "date", "score", "raw_tier", "tier", "model_version_id", "components", "override_active"))
    changes = list(ScoreChange.objects.order_by("account_id", "date").values_list("account_id", "date", "summary"))
    return scores, snaps, changes


@pytest.mark.django_db(transaction=True)  # outside a transaction, as the daily task runs it
def test_it_stores_the_same_as_a_run_over_a_list_of_accounts(settings, monkeypatch):
    settings.RECOMPUTE_CHUNK_SIZE = 10
    monkeypatch.setattr("scoring.services.AGGREGATE_BLOCK", 25)  # 3 blocks, 7 chunks
    setup = standard_scoring_setup()
    s = setup.signals
    accounts = [AccountFactory() for _ in range(62)]
    Account.objects.filter(pk=accounts[30].pk).update(status="churned")  # a hole in a block's id range
    for i, a in enumerate(accounts):
        observe(a, s["weekly_logins"], i % 25, NOW - (i % 5) * DAY)   # mean (windowed)
        observe(a, s["open_tickets"], i % 9, NOW - 2 * DAY)            # latest
        if i % 7:
            observe(a, s["nps"], 40 - i, NOW - 40 * DAY)                # mean over 180 days
    active = [a.pk for a in accounts if a.pk != accounts[30].pk]
    capped = Override.objects.create(account=accounts[3], reason="champion_left", effect="cap", value=20,
                                     expires_at=NOW + 10 * DAY)
    Override.objects.filter(pk=capped.pk).update(created_at=NOW - DAY)

    full = scores_recompute(now=NOW)
    by_full = _stored()
    assert [s[-1] for s in by_full[1] if s[0] == accounts[3].pk] == [True]  # override_active
    assert sum(s[-1] for s in by_full[1]) == 1
    assert sorted(full.account_ids) == active and len(full.changes) == len(active)  # first scores

    ScoreChange.objects.all().delete()
    ScoreSnapshot.objects.all().delete()
    AccountScore.objects.all().delete()
    listed = scores_recompute(account_ids=active, now=NOW)
    assert sorted(listed.account_ids) == active
    assert _stored() == by_full
