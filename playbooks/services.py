"""Playbook tasks: priority, creation from playbook steps, assignment, auto-close on recovery."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Max, Q
from django.utils import timezone

from accounts.models import Account
from playbooks.models import Playbook, PlaybookStep, Severity, Task
from scoring.models import TIER_RANK, AccountScore, ScoreChange

# --- Priority ---------------------------------------------------------------
# priority = severity points + due points + ARR points + renewal points, higher first.
#   severity: low 0, medium 100, high 200
#   due:      100 when due now or overdue, falling linearly to 0 for a task due in 7 days or later
#   ARR:      40 · min(1, log10(1 + ARR/1000) / 3)   (≈14 at 10k, ≈27 at 100k, 40 from 1M)
#   renewal:  60 · clamp(1 − days_to_renewal/180, 0, 1)   (60 when renewal is today or past, 0 at 180+ days
#             or unknown)
# Severity dominates but does not eclipse everything: a medium task that is overdue on a large account
# renewing this month outranks a high-severity task due next week on a small account.
SEVERITY_POINTS = {Severity.LOW: 0.0, Severity.MEDIUM: 100.0, Severity.HIGH: 200.0}
DUE_POINTS = 100.0
DUE_HORIZON_HOURS = 7 * 24
ARR_POINTS = 40.0
RENEWAL_POINTS = 60.0
RENEWAL_HORIZON_DAYS = 180


def task_priority(
    *, severity: str, due_at: dt.datetime, arr: float, days_to_renewal: int | None, now: dt.datetime
) -> float:
    """Queue priority of a task (higher first); see the formula above."""
    points = SEVERITY_POINTS.get(severity, SEVERITY_POINTS[Severity.MEDIUM])
    hours_left = (due_at - now).total_seconds() / 3600
    points += DUE_POINTS * min(1.0, max(0.0, 1 - hours_left / DUE_HORIZON_HOURS))
    points += ARR_POINTS * min(1.0, math.log10(1 + max(float(arr), 0.0) / 1000) / 3)
    if days_to_renewal is not None:
        points += RENEWAL_POINTS * min(1.0, max(0.0, 1 - days_to_renewal / RENEWAL_HORIZON_DAYS))
    return round(points, 2)


# --- Enrolment ------------------------------------------------------------------


@dataclass(frozen=True)
class Enrolment:
    """One playbook that fired for one account: becomes one task per step."""

    account: Account
    playbook: Playbook
    tier: str  # the tier the account was in when the playbook fired (Task.opened_in_tier)
    change: ScoreChange | None = None


def _assignee(step: PlaybookStep, account: Account):
    """The user a step's task goes to, or None (the team's unassigned queue)."""
    if step.assignee_role == PlaybookStep.AssigneeRole.MANAGER:
        user = account.manager or (account.team.manager if account.team else None)
    else:
        user = account.owner
    if user is None or not user.is_active:
        return None
    return user


def _recently_enrolled(enrolments: list[Enrolment], now: dt.datetime) -> set[tuple[int, int]]:
    """(account, playbook) pairs still inside their playbook's re-enrolment window."""
    limited = {e.playbook.pk: e.playbook.reenrol_days for e in enrolments if e.playbook.reenrol_days}
    if not limited:
        return set()
    oldest = now - dt.timedelta(days=max(limited.values()))
    rows = (
        Task.objects.filter(
            playbook_id__in=limited,
            account_id__in={e.account.pk for e in enrolments},
            created_at__gte=oldest,
        )
        .values("account_id", "playbook_id")
        .annotate(last=Max("created_at"))
    )
    return {
        (r["account_id"], r["playbook_id"])
        for r in rows
        if r["last"] >= now - dt.timedelta(days=limited[r["playbook_id"]])
    }


def _already_opened_by(enrolments: list[Enrolment]) -> set[tuple[int, int]]:
    """(change, playbook) pairs that already opened tasks: a replay of the same change opens nothing."""
    change_ids = {e.change.pk for e in enrolments if e.change is not None}
    if not change_ids:
        return set()
    return set(
        Task.objects.filter(opened_by_change_id__in=change_ids).values_list("opened_by_change_id", "playbook_id")
    )


def tasks_open_for(*, enrolments: Iterable[Enrolment], now: dt.datetime) -> list[Task]:
    """Create the tasks of every playbook step for each enrolment; returns the tasks inserted.

    Set-based: three reads and one insert whatever the number of enrolments. The partial unique
    index ``task_one_open_per_account_step`` is the final word: the insert ignores conflicts, so a
    second worker racing on the same account, a re-trigger or a replay never duplicates a task.
    """
    enrolments = list(enrolments)
    if not enrolments:
        return []
    skip_enrol = _recently_enrolled(enrolments, now)
    skip_change = _already_opened_by(enrolments)
    open_pairs = set(
        Task.objects.filter(
            account_id__in={e.account.pk for e in enrolments}, status__in=Task.ACTIVE_STATUSES
        ).values_list("account_id", "step_id")
    )
    today = now.date()
    candidates: list[Task] = []
    for e in enrolments:
        if (e.account.pk, e.playbook.pk) in skip_enrol:
            continue
        if e.change is not None and (e.change.pk, e.playbook.pk) in skip_change:
            continue
        for step in e.playbook.steps.all():
            if (e.account.pk, step.pk) in open_pairs:
                continue
            open_pairs.add((e.account.pk, step.pk))
            due_at = now + dt.timedelta(hours=step.due_offset_hours)
            candidates.append(
                Task(
                    account=e.account,
                    playbook=e.playbook,
                    step=step,
                    team=e.account.team,
                    assignee=_assignee(step, e.account),
                    title=step.title,
                    severity=e.playbook.severity,
                    priority=task_priority(
                        severity=e.playbook.severity,
                        due_at=due_at,
                        arr=float(e.account.arr or 0),
                        days_to_renewal=e.account.days_to_renewal(today),
                        now=now,
                    ),
                    due_at=due_at,
                    opened_by_change=e.change if e.change is not None and e.change.pk else None,
                    opened_in_tier=e.tier,
                )
            )
    if not candidates:
        return []
    Task.objects.bulk_create(candidates, ignore_conflicts=True)
    return candidates


# --- Auto-close on recovery ---------------------------------------------------------

def _day(day: dt.date) -> str:
    """The workspace's one date format ("4 Dec 2026"), for notes written into tasks."""
    return f"{day.day} {day:%b %Y}"


AUTO_CLOSE_NOTE = "Auto-closed: the account recovered from {from_tier} to {to_tier} on {date} (score {score:.1f})."
STARTED_NOTE = (
    "The account recovered from {from_tier} to {to_tier} on {date} (score {score:.1f}); "
    "left open because work on this task had already started."
)


def tasks_close_recovered(*, scores: Iterable[AccountScore], now: dt.datetime) -> dict[str, int]:
    """Close live tasks whose account is now in a better tier than the one that opened them.

    A task the CSM already started stays open and gets a note instead (once per recovery).
    """
    by_account = {s.account_id: s for s in scores}
    if not by_account:
        return {"closed": 0, "annotated": 0}
    live = list(
        Task.objects.filter(account_id__in=by_account, status__in=Task.ACTIVE_STATUSES)
        .exclude(opened_in_tier="")
        .only("id", "account_id", "opened_in_tier", "started_at", "outcome_note")
    )
    to_close: list[Task] = []
    to_annotate: list[Task] = []
    for task in live:
        score = by_account[task.account_id]
        if TIER_RANK.get(score.tier, -1) <= TIER_RANK.get(task.opened_in_tier, 99):
            continue
        words = dict(from_tier=task.opened_in_tier, to_tier=score.tier, date=_day(timezone.localdate(now)), score=score.score)
        if task.started_at is None:
            task.status = Task.Status.DONE
            task.closed_at = now
            task.outcome_note = AUTO_CLOSE_NOTE.format(**words)
            task.updated_at = now
            to_close.append(task)
        else:
            note = STARTED_NOTE.format(**words)
            marker = f"recovered from {task.opened_in_tier} to {score.tier}"
            if marker in task.outcome_note:
                continue
            task.outcome_note = f"{task.outcome_note}\n{note}".strip()
            task.updated_at = now
            to_annotate.append(task)
    if to_close:
        Task.objects.bulk_update(to_close, ["status", "closed_at", "outcome_note", "updated_at"])
    if to_annotate:
        Task.objects.bulk_update(to_annotate, ["outcome_note", "updated_at"])
    return {"closed": len(to_close), "annotated": len(to_annotate)}


# --- Superseded tasks -----------------------------------------------------------------
# A task applies while its playbook still describes the account. Two rules, both read from the
# playbook's trigger rather than from any one playbook:
#
# 1. Tier playbooks ("entered a tier") apply while the account is in that tier. When it drops below
#    (yellow → red) the yellow check-in is superseded by the red plan; when it drops out of green the
#    expansion task no longer applies. Moves up are the recovery rule above (tasks_close_recovered).
#    A playbook switched off (inactive) no longer applies to anyone.
# 2. Movement playbooks (any downgrade, rapid or gradual decline) ask "what changed?". A move that a
#    person made by flagging the account (an active override set within the trend window) already
#    has its answer: those playbooks do not open tasks for it. The tier playbooks still do, since the
#    account's tier is what it is.
# A superseded task the CSM has already started (started_at) stays open with a note, as on recovery.

MOVEMENT_KINDS = (Playbook.Trigger.DOWNGRADE, Playbook.Trigger.RAPID_DECLINE, Playbook.Trigger.GRADUAL_DECLINE)
FLAG_EXPLAINS_DAYS = 30  # the rapid-decline window: a flag set within it explains the move
SUPERSEDED_NOTE = "Superseded on {date}: the account is now {tier}, so “{playbook}” ({playbook_tier}) no longer applies."
RETIRED_NOTE = "Superseded on {date}: the playbook “{playbook}” was switched off."
STARTED_SUPERSEDED = " Left open because work on this task had already started."


def enrolments_applicable(*, enrolments: Iterable[Enrolment], now: dt.datetime) -> list[Enrolment]:
    """Drop the movement-playbook enrolments whose move a person's flag explains (rule 2 above).

    One query for all the enrolments' accounts, whatever their number.
    """
    from scoring.models import (
        Override,  # scoring imports playbooks lazily too; keep the apps' import order loose
    )

    enrolments = list(enrolments)
    movement_accounts = {e.account.pk for e in enrolments if e.playbook.trigger_kind in MOVEMENT_KINDS}
    if not movement_accounts:
        return enrolments
    flagged = set(
        Override.objects.filter(
            account_id__in=movement_accounts,
            revoked_at__isnull=True,
            expires_at__gt=now,
            created_at__gte=now - dt.timedelta(days=FLAG_EXPLAINS_DAYS),
        ).values_list("account_id", flat=True)
    )
    return [e for e in enrolments if not (e.playbook.trigger_kind in MOVEMENT_KINDS and e.account.pk in flagged)]


def tasks_supersede(*, scores: Iterable[AccountScore], now: dt.datetime) -> dict[str, int]:
    """Close live tasks whose tier playbook no longer applies (rule 1 above); returns the counts.

    Closed as dismissed, with the reason in ``dismiss_reason`` and no ``closed_by`` (the system did it),
    so they never count as completed interventions. One read and at most two bulk updates.
    """
    by_account = {s.account_id: s for s in scores}
    if not by_account:
        return {"superseded": 0, "superseded_started": 0}
    live = list(
        Task.objects.filter(account_id__in=by_account, status__in=Task.ACTIVE_STATUSES)
        .filter(Q(playbook__trigger_kind=Playbook.Trigger.ENTER_TIER) | Q(playbook__active=False))
        .select_related("playbook")
        .only("id", "account_id", "started_at", "outcome_note", "dismiss_reason", "playbook__name",
              "playbook__tier", "playbook__active", "playbook__trigger_kind")
    )
    day = _day(timezone.localdate(now))
    to_close: list[Task] = []
    to_annotate: list[Task] = []
    for task in live:
        tier = by_account[task.account_id].tier
        playbook = task.playbook
        if not playbook.active:
            note = RETIRED_NOTE.format(date=day, playbook=playbook.name)
        elif tier and playbook.tier and TIER_RANK.get(tier, 99) < TIER_RANK.get(playbook.tier, -1):
            note = SUPERSEDED_NOTE.format(date=day, tier=tier, playbook=playbook.name, playbook_tier=playbook.tier)
        else:
            continue
        if task.started_at is None:
            task.status = Task.Status.DISMISSED
            task.closed_at = now
            task.dismiss_reason = note
            task.updated_at = now
            to_close.append(task)
        elif note.split(":", 1)[1] not in task.outcome_note:
            task.outcome_note = f"{task.outcome_note}\n{note}{STARTED_SUPERSEDED}".strip()
            task.updated_at = now
            to_annotate.append(task)
    if to_close:
        Task.objects.bulk_update(to_close, ["status", "closed_at", "dismiss_reason", "updated_at"])
    if to_annotate:
        Task.objects.bulk_update(to_annotate, ["outcome_note", "updated_at"])
    return {"superseded": len(to_close), "superseded_started": len(to_annotate)}
