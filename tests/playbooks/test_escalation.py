"""Overdue high-severity tasks escalate to the account's manager, once."""

from __future__ import annotations

import datetime as dt

from django.core import mail

from playbooks.models import Notification, Task
from playbooks.notifications import tasks_escalate_overdue


def _task(account, playbook, severity, due_at, status="open", title="Call"):
    pb = playbook("enter_tier", tier="red", severity=severity, steps=[(title, 24, "owner")])
    return Task.objects.create(
        account=account, playbook=pb, step=pb.steps.get(), title=title, severity=severity, due_at=due_at,
        status=status, assignee=account.owner, team=account.team,
    )


def test_it_escalates_an_overdue_high_task_to_the_manager_once(
    account, now, playbook, django_capture_on_commit_callbacks
):
    overdue = _task(account, playbook, "high", now - dt.timedelta(hours=1), title="Call the champion")
    _task(account, playbook, "medium", now - dt.timedelta(days=3), title="Medium overdue")
    _task(account, playbook, "high", now + dt.timedelta(hours=1), title="Not yet due")
    _task(account, playbook, "high", now - dt.timedelta(days=1), status="done", title="Done already")

    with django_capture_on_commit_callbacks(execute=True):
        tasks_escalate_overdue(now=now)
        tasks_escalate_overdue(now=now + dt.timedelta(hours=1))

    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["manager@example.com"], "[Healthscore] Overdue: Call the champion — Acme")
    ]
    assert "Assignee: alice" in mail.outbox[0].body
    overdue.refresh_from_db()
    assert overdue.escalated_at == now
    assert Notification.objects.get(kind="escalation").task == overdue
    assert Task.objects.filter(escalated_at__isnull=False).count() == 1
