"""Storing an observation runs the real engine and the triggers: score, change log, task, email."""

from __future__ import annotations

import datetime as dt

from django.core import mail
from django.db import transaction
from django.utils import timezone

from playbooks.models import Task
from scoring.models import AccountScore, ScoreChange
from scoring.tasks import recompute_enqueue
from tests.playbooks.engine_world import build_world, drop


def test_it_turns_a_drop_to_red_into_one_task(db, django_capture_on_commit_callbacks):
    now = timezone.now()
    world = build_world(now)
    assert AccountScore.objects.get(account=world.account).tier == "green"

    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            drop(world, now - dt.timedelta(minutes=1))
            recompute_enqueue([world.account.pk, world.account.pk])

    score = AccountScore.objects.get(account=world.account)
    assert (score.score, score.tier, score.trend) == (10.0, "red", "rapid_decline")
    change = ScoreChange.objects.get(account=world.account, from_tier="green")
    assert (change.from_tier, change.to_tier, change.from_score, change.to_score) == ("green", "red", 90.0, 10.0)
    task = Task.objects.get()
    assert (task.title, task.assignee, task.opened_by_change, task.opened_in_tier) == (
        "Call the champion", world.owner, change, "red"
    )
    assert task.due_at - task.created_at <= dt.timedelta(hours=24, seconds=5)
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.com", "manager@example.com"]

    # The same recompute again (a replay) changes nothing.
    with django_capture_on_commit_callbacks(execute=True):
        recompute_enqueue([world.account.pk])
    assert Task.objects.count() == 1
    assert len(mail.outbox) == 2
