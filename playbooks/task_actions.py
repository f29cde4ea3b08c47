"""What a CSM does to a task from the queue: complete, snooze, reassign, dismiss (one or many).

Each function validates its input and raises ``ValidationError`` keyed by the
form field, so the queue can show the message beside the field. Permission
checks happen before these are called (playbooks.selectors.task_for_action).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from playbooks.models import SEVERITY_RANK, Severity, Task
from playbooks.selectors import assignable_users

LIVE = (Task.Status.OPEN, Task.Status.SNOOZED)

# How far ahead a task may be snoozed, by severity: a high-severity task has a short SLA, so it can
# be put off for a week at most, never hidden for years (a snooze to 9999-12-31 is refused).
SNOOZE_MAX_DAYS = {Severity.HIGH: 7, Severity.MEDIUM: 30, Severity.LOW: 90}


def _require_live(task: Task) -> None:
    if task.status not in LIVE:
        raise ValidationError({"__all__": f"This task is already {task.get_status_display().lower()}."})


def snooze_max_days(severity: str) -> int:
    return SNOOZE_MAX_DAYS.get(severity, SNOOZE_MAX_DAYS[Severity.MEDIUM])


def snooze_latest(*, severity: str, now: dt.datetime) -> dt.date:
    """The last day a task of this severity may be snoozed to."""
    return timezone.localdate(now) + dt.timedelta(days=snooze_max_days(severity))


def _snooze_until(day: dt.date | None, now: dt.datetime, *, severity: str) -> dt.datetime:
    if day is None:
        raise ValidationError({"until": "Choose the date to snooze until."})
    if day <= timezone.localdate(now):
        raise ValidationError({"until": "The snooze date must be in the future."})
    latest = snooze_latest(severity=severity, now=now)
    if day > latest:
        label = Severity(severity).label if severity in Severity.values else "This"
        raise ValidationError({"until": (
            f"{label}-severity tasks can be snoozed for at most {snooze_max_days(severity)} days: "
            f"choose a date up to {latest.day} {latest:%b %Y}."
        )})
    start = dt.datetime.combine(day, dt.time(8, 0))
    return timezone.make_aware(start, timezone.get_current_timezone())


def _close(task: Task, *, status: str, actor, now: dt.datetime, **fields: str) -> Task:
    """Close a live task as ``status`` by ``actor``, setting the extra ``fields`` (its note or reason)."""
    for name, value in fields.items():
        setattr(task, name, value)
    task.status = status
    task.closed_at = now
    task.closed_by = actor
    task.save(update_fields=["status", "closed_at", "closed_by", "updated_at", *fields])
    return task


def task_complete(*, task: Task, actor, note: str, now: dt.datetime) -> Task:
    _require_live(task)
    return _close(task, status=Task.Status.DONE, actor=actor, now=now, outcome_note=note.strip())


def task_dismiss(*, task: Task, actor, reason: str, now: dt.datetime) -> Task:
    _require_live(task)
    if not reason.strip():
        raise ValidationError({"reason": "Say why this task is dismissed."})
    return _close(task, status=Task.Status.DISMISSED, actor=actor, now=now, dismiss_reason=reason.strip())


def task_snooze(*, task: Task, actor, until: dt.date | None, now: dt.datetime) -> Task:
    _require_live(task)
    task.snoozed_until = _snooze_until(until, now, severity=task.severity)
    task.status = Task.Status.SNOOZED
    task.save(update_fields=["status", "snoozed_until", "updated_at"])
    return task


def task_reassign(*, task: Task, actor, assignee_id: int | None) -> Task:
    """Hand the task to a teammate, or back to the team's unassigned queue (``assignee_id=None``)."""
    _require_live(task)
    if assignee_id is None:
        team_id = task.team_id or task.account.team_id
        if team_id is None:
            raise ValidationError({"assignee": "This account has no team, so there is no unassigned queue."})
        task.team_id = team_id
        task.assignee = None
    else:
        assignee = assignable_users(actor).filter(pk=assignee_id).first()
        if assignee is None:
            raise ValidationError({"assignee": "You can only hand tasks to people on your team."})
        task.assignee = assignee
    task.save(update_fields=["assignee", "team", "updated_at"])
    return task


@transaction.atomic
def tasks_bulk_complete(*, tasks: list[Task], actor, note: str, now: dt.datetime) -> int:
    """Complete many tasks in one UPDATE; tasks already closed are left alone."""
    ids = [task.pk for task in tasks]
    return Task.objects.filter(pk__in=ids, status__in=LIVE).update(
        status=Task.Status.DONE, outcome_note=note.strip(), closed_at=now, closed_by=actor, updated_at=now
    )


@transaction.atomic
def tasks_bulk_snooze(*, tasks: list[Task], actor, until: dt.date | None, now: dt.datetime) -> int:
    # The most severe task of the selection sets the limit for all of them.
    severity = max((task.severity for task in tasks), key=lambda s: SEVERITY_RANK.get(s, 0), default=Severity.LOW)
    snoozed_until = _snooze_until(until, now, severity=severity)
    ids = [task.pk for task in tasks]
    return Task.objects.filter(pk__in=ids, status__in=LIVE).update(
        status=Task.Status.SNOOZED, snoozed_until=snoozed_until, updated_at=now
    )
