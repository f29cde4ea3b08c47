from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from scoring.models import AccountScore, ScoreSnapshot
from tests.factories import AccountFactory, observe


@pytest.fixture
def accounts(scoring_setup):
    from django.utils import timezone

    out = AccountFactory.create_batch(3)
    for a in out:
        observe(a, scoring_setup.signals["weekly_logins"], 10, timezone.now())
    return out


def test_it_recomputes_chosen_accounts_with_a_progress_bar(accounts):
    err, out = io.StringIO(), io.StringIO()
    call_command("recompute_scores", "--account", accounts[0].external_id, "--account", accounts[1].external_id,
                 stdout=out, stderr=err)
    assert set(AccountScore.objects.values_list("account_id", flat=True)) == {accounts[0].pk, accounts[1].pk}
    assert "[##############################] 2/2" in err.getvalue()
    assert "Recomputed 2 account(s)" in out.getvalue()


def test_it_backfills_all_accounts(accounts):
    call_command("recompute_scores", "--all", "--backfill-days", "5", stdout=io.StringIO(), stderr=io.StringIO())
    assert ScoreSnapshot.objects.count() == 15


def test_it_refuses_unknown_accounts_and_missing_arguments(accounts):
    with pytest.raises(CommandError, match="nope"):
        call_command("recompute_scores", "--account", "nope", stderr=io.StringIO())
    with pytest.raises(CommandError, match="--all"):
        call_command("recompute_scores", stderr=io.StringIO())
