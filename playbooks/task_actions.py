"""What a CSM does to a task from the queue: complete, snooze, reassign, dismiss (one or many).

Each function validates its input and raises ``ValidationError`` keyed by the
form field, so the queue can show the message beside the field. Permission
checks happen before these are called (playbooks.selectors.task_for_action).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from playbooks.models import SEVERITY_RANK, Severity, Task
from playbooks.selectors import assignable_users, could_take_task, team_ids_by_user

LIVE = (Task.Status.OPEN, Task.Status.SNOOZED)

# How far ahead a task may be snoozed, by severity: a high-severity task has a short SLA, so it can
# be put off for a week at most, never hidden for years (a snooze to 9999-12-31 is refused).
SNOOZE_MAX_DAYS = {Severity.HIGH: 7, Severity.MEDIUM: 30, Severity.LOW: 90}


class TaskConflict(ValidationError):
    """Someone else acted on the task first: says who did what, and when.

    Raised by the conditional updates below when the row no longer has the status the action
    needs; the queue answers 409 with this message and leaves the row as the winner left it.
    """

    def __init__(self, task: Task):
        self.task = task
        super().__init__({"__all__": conflict_message(task)})


def _who(user) -> str:
    if user is None:
        return "Healthscore"  # closed by the system (auto-close on recovery, superseded)
    return user.get_full_name() or user.username


def _when(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    return f" at {local:%H:%M} on {local.day} {local:%b %Y}"


def conflict_message(task: Task) -> str:
    """"Already completed by Bob Lee at 09:14 on 26 Nov 2026." (what the task is now, and by whom)."""
    if task.status == Task.Status.DONE:
        return f"Already completed by {_who(task.closed_by)}{_when(task.closed_at)}."
    if task.status == Task.Status.DISMISSED:
        return f"Already dismissed by {_who(task.closed_by)}{_when(task.closed_at)}."
    if task.status == Task.Status.SNOOZED:
        return f"Already snoozed until {_when(task.snoozed_until).removeprefix(' at ')}."
    return "This task is already open."


def _transition(task: Task, *, allowed: tuple[str, ...], **values) -> Task:
    """One conditional ``UPDATE … WHERE id = … AND status IN allowed``: of two people acting at once
    exactly one wins, the row holds only the winner's fields, and the loser gets TaskConflict."""
    changed = Task.objects.filter(pk=task.pk, status__in=allowed).update(**values)
    task.refresh_from_db()
    if not changed:
        raise TaskConflict(task)
    return task


def _require_takers(assignee, tasks: list[Task]) -> None:
    teams = team_ids_by_user([assignee.pk]).get(assignee.pk, set())
    if not all(could_take_task(user_id=assignee.pk, team_ids=teams, task=task) for task in tasks):
        name = assignee.get_full_name() or assignee.username
        raise ValidationError({"assignee": f"{name} is not on this account's team, so could not work the task."})


def _require_live(task: Task) -> None:
    if task.status not in LIVE:
        raise TaskConflict(task)


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


def task_complete(*, task: Task, actor, note: str, now: dt.datetime) -> Task:
    _require_live(task)
    # Completion starts the task too when nothing was ticked (time-to-action stays measurable).
    return _transition(task, allowed=LIVE, status=Task.Status.DONE, closed_at=now, closed_by=actor,
                       outcome_note=note.strip(), updated_at=now, started_at=Coalesce("started_at", Value(now)))


def task_check(*, task: Task, actor, item: int, done: bool, now: dt.datetime) -> Task:
    """Tick (or untick) one item of the task's checklist; the first tick starts the task.

    The row is locked while its list is rewritten, so two ticks at once both count.
    """
    with transaction.atomic():
        locked = Task.objects.select_for_update().get(pk=task.pk)
        task.refresh_from_db()
        _require_live(locked)
        items = task.step.checklist_items()
        if not 0 <= item < len(items):
            raise ValidationError({"__all__": f"This task's checklist has {len(items)} items; item {item + 1} does not exist."})
        text = items[item]
        ticked = [t for t in locked.checklist_done if t != text]
        if done:
            ticked.append(text)
        values = {"checklist_done": ticked, "updated_at": now}
        if done:
            values["started_at"] = Coalesce("started_at", Value(now))
        return _transition(task, allowed=LIVE, **values)


REOPENABLE = (Task.Status.DONE, Task.Status.DISMISSED, Task.Status.SNOOZED)


def task_reopen(*, task: Task, actor, now: dt.datetime) -> Task:
    """Undo a complete, dismiss or snooze: the task is open again as it was (its checklist kept).

    Refused when another live task for the same step exists meanwhile (a playbook re-fired), since
    an account has at most one live task per step (the partial unique index has the last word).
    """
    if task.status == Task.Status.OPEN:
        raise ValidationError({"__all__": "This task is already open."})
    newer = "A newer task for this step is already open; work that one instead."
    if Task.objects.filter(account_id=task.account_id, step_id=task.step_id, status__in=LIVE).exclude(pk=task.pk).exists():
        raise ValidationError({"__all__": newer})
    try:
        with transaction.atomic():
            return _transition(task, allowed=REOPENABLE, status=Task.Status.OPEN, snoozed_until=None, closed_at=None,
                               closed_by=None, dismiss_reason="", updated_at=now)
    except IntegrityError:
        raise ValidationError({"__all__": newer}) from None


def task_dismiss(*, task: Task, actor, reason: str, now: dt.datetime) -> Task:
    _require_live(task)
    if not reason.strip():
        raise ValidationError({"reason": "Say why this task is dismissed."})
    return _transition(task, allowed=LIVE, status=Task.Status.DISMISSED, closed_at=now, closed_by=actor,
                       dismiss_reason=reason.strip(), updated_at=now)


def task_snooze(*, task: Task, actor, until: dt.date | None, now: dt.datetime) -> Task:
    _require_live(task)
    until_at = _snooze_until(until, now, severity=task.severity)
    return _transition(task, allowed=LIVE, status=Task.Status.SNOOZED, snoozed_until=until_at, updated_at=now)


def task_reassign(*, task: Task, actor, assignee_id: int | None) -> Task:
    """Hand the task to a teammate, or back to the team's unassigned queue (``assignee_id=None``)."""
    _require_live(task)
    if assignee_id is None:
        team_id = task.team_id or task.account.team_id
        if team_id is None:
            raise ValidationError({"assignee": "This account has no team, so there is no unassigned queue."})
        values = {"team_id": team_id, "assignee": None}
    else:
        assignee = assignable_users(actor).filter(pk=assignee_id).first()
        if assignee is None:
            raise ValidationError({"assignee": "You can only hand tasks to people on your team."})
        _require_takers(assignee, [task])
        values = {"assignee": assignee}
    return _transition(task, allowed=LIVE, updated_at=timezone.now(), **values)


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
    _require_takers(assignee, tasks)
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
