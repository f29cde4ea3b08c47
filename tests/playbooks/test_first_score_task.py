"""A brand-new account whose first score is red opens the red playbook (entered red from no tier)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from playbooks.models import Task
from scoring.ingest import observations_bulk_store
from scoring.models import ScoreChange
from tests.factories import AccountFactory
from tests.playbooks.engine_world import build_world


def test_it_opens_the_red_playbook_for_a_new_account_that_starts_red(db, django_capture_on_commit_callbacks):
    now = timezone.now()
    world = build_world(now)  # the red playbook, the "logins" signal (bad 0, good 100), an owner
    newcomer = AccountFactory(name="Newco", external_id="newco", owner=world.owner, team=world.account.team,
                              segment=world.account.segment)
    at = (now - dt.timedelta(minutes=5)).isoformat()

    # Ingest stores the observation and, on commit, runs scoring.tasks.recompute_accounts (inline in tests).
    with django_capture_on_commit_callbacks(execute=True):
        observations_bulk_store(items=[{"account": "newco", "signal": "logins", "value": 12, "observed_at": at}],
                                source="api")

    change = ScoreChange.objects.get(account=newcomer)  # latest 12 → (12 − 0)/100 = 12 → red
    assert (change.from_score, change.to_score, change.from_tier, change.to_tier, change.tier_changed) == (
        None, 12.0, "", "red", True
    )
    task = Task.objects.get(account=newcomer)
    assert (task.title, task.assignee, task.opened_by_change, task.opened_in_tier) == (
        "Call the champion", world.owner, change, "red"
    )
    assert not Task.objects.filter(account=world.account).exists()  # the green account opened nothing
