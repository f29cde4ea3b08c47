"""What a CSM does to a task from the queue: complete, snooze, reassign, dismiss (one or many).

Each function validates its input and raises ``ValidationError`` keyed by the
form field, so the queue can show the message beside the field. Permission
checks happen before these are called (playbooks.selectors.task_for_action).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
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


def _start(task: Task, now: dt.datetime) -> list[str]:
    """Mark when work on the task began (first tick or completion): time-to-action is measurable."""
    if task.started_at is None:
        task.started_at = now
        return ["started_at"]
    return []


def task_complete(*, task: Task, actor, note: str, now: dt.datetime) -> Task:
    _require_live(task)
    started = _start(task, now)
    if started:
        task.save(update_fields=started)
    return _close(task, status=Task.Status.DONE, actor=actor, now=now, outcome_note=note.strip())


def task_check(*, task: Task, actor, item: int, done: bool, now: dt.datetime) -> Task:
    """Tick (or untick) one item of the task's checklist; the first tick starts the task."""
    _require_live(task)
    items = task.step.checklist_items()
    if not 0 <= item < len(items):
        raise ValidationError({"__all__": f"This task's checklist has {len(items)} items; item {item + 1} does not exist."})
    text = items[item]
    ticked = [t for t in task.checklist_done if t != text]
    if done:
        ticked.append(text)
    task.checklist_done = ticked
    fields = ["checklist_done", "updated_at", *(_start(task, now) if done else [])]
    task.save(update_fields=fields)
    return task


def task_reopen(*, task: Task, actor, now: dt.datetime) -> Task:
    """Undo a complete, dismiss or snooze: the task is open again as it was (its checklist kept).

    Refused when another live task for the same step exists meanwhile (a playbook re-fired), since
    an account has at most one live task per step.
    """
    if task.status == Task.Status.OPEN:
        raise ValidationError({"__all__": "This task is already open."})
    if Task.objects.filter(account_id=task.account_id, step_id=task.step_id, status__in=LIVE).exclude(pk=task.pk).exists():
        raise ValidationError({"__all__": "A newer task for this step is already open; work that one instead."})
    task.status = Task.Status.OPEN
    task.snoozed_until = None
    task.closed_at = None
    task.closed_by = None
    task.dismiss_reason = ""
    task.save(update_fields=["status", "snoozed_until", "closed_at", "closed_by", "dismiss_reason", "updated_at"])
    return task


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
        status=Task.Status.DONE, outcome_note=note.strip(), closed_at=now, closed_by=actor, updated_at=now,
        started_at=Coalesce("started_at", Value(now)),
    )


@transaction.atomic
def tasks_bulk_dismiss(*, tasks: list[Task], actor, reason: str, now: dt.datetime) -> int:
    if not reason.strip():
        raise ValidationError({"reason": "Say why these tasks are dismissed."})
    ids = [task.pk for task in tasks]
    return Task.objects.filter(pk__in=ids, status__in=LIVE).update(
        status=Task.Status.DISMISSED, dismiss_reason=reason.strip(), closed_at=now, closed_by=actor, updated_at=now
    )


@transaction.atomic
def tasks_bulk_reassign(*, tasks: list[Task], actor, assignee_id: int | None, now: dt.datetime) -> int:
    """Hand many tasks to one teammate, or back to their teams' unassigned queues (``None``)."""
    ids = [task.pk for task in tasks]
    live = Task.objects.filter(pk__in=ids, status__in=LIVE)
    if assignee_id is None:
        if any((task.team_id or task.account.team_id) is None for task in tasks):
            raise ValidationError({"assignee": "Some of these accounts have no team, so there is no unassigned queue."})
        return live.update(assignee=None, updated_at=now)
    assignee = assignable_users(actor).filter(pk=assignee_id).first()
    if assignee is None:
        raise ValidationError({"assignee": "You can only hand tasks to people on your team."})
    return live.update(assignee=assignee, updated_at=now)


@transaction.atomic
def tasks_bulk_snooze(*, tasks: list[Task], actor, until: dt.date | None, now: dt.datetime) -> int:
    # The most severe task of the selection sets the limit for all of them.
    severity = max((task.severity for task in tasks), key=lambda s: SEVERITY_RANK.get(s, 0), default=Severity.LOW)
    snoozed_until = _snooze_until(until, now, severity=severity)
    ids = [task.pk for task in tasks]
    return Task.objects.filter(pk__in=ids, status__in=LIVE).update(
        status=Task.Status.SNOOZED, snoozed_until=snoozed_until, updated_at=now
    )
