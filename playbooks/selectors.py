"""Reads for the CSM queue: which tasks a person sees, in which order, and the nav counters."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import TruncDate
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.access import can_act_on_account, visible_accounts
from accounts.capabilities import Cap, can
from accounts.models import Team
from accounts.roles import Role, roles_of
from playbooks.models import SEVERITY_RANK, Task

User = get_user_model()

UNASSIGNED = "unassigned"
SNOOZED = "snoozed"


def live_tasks_q(now: dt.datetime) -> Q:
    """Open tasks, plus snoozed ones whose snooze has run out: what still needs doing."""
    return Q(status=Task.Status.OPEN) | Q(status=Task.Status.SNOOZED, snoozed_until__lte=now)


def day_bounds(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """Start of today and start of tomorrow, in the site's time zone."""
    local = timezone.localtime(now)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + dt.timedelta(days=1)


def can_work_queue(user) -> bool:
    return can(user, Cap.WORK_QUEUE)


def managed_team_ids_q(user) -> Q:
    """Tasks in the unassigned queue of a team the user manages (every team for ops)."""
    if Role.OPS in roles_of(user):
        return Q(assignee__isnull=True)
    return Q(assignee__isnull=True, team__manager=user)


def queue_owner_choices(user) -> QuerySet:
    """Whose queue a manager (or ops) may switch to: every CSM."""
    if not can(user, Cap.SWITCH_QUEUE):
        return User.objects.none()
    return User.objects.filter(groups__name=Role.CSM.value, is_active=True).order_by("first_name", "username").distinct()


@dataclass(frozen=True)
class QueueScope:
    """Which queue is shown: a person's (``user``) or the team's unassigned tasks."""

    label: str
    q: Q
    key: str  # "" for my own queue, a user id, or "unassigned"


def queue_scope(viewer, who: str) -> QueueScope:
    """Resolve the ``who`` filter; CSMs only ever see their own queue."""
    if not who or not can(viewer, Cap.SWITCH_QUEUE):
        return QueueScope(label="My queue", q=Q(assignee=viewer), key="")
    if who == UNASSIGNED:
        return QueueScope(label="Team's unassigned queue", q=managed_team_ids_q(viewer), key=UNASSIGNED)
    person = get_object_or_404(queue_owner_choices(viewer), pk=who) if who.isdigit() else None
    if person is None:
        return QueueScope(label="My queue", q=Q(assignee=viewer), key="")
    name = person.get_full_name() or person.username
    return QueueScope(label=f"{name}'s queue", q=Q(assignee=person), key=str(person.pk))


def queue_tasks(
    *,
    scope: QueueScope,
    now: dt.datetime,
    tier: str = "",
    playbook: int | None = None,
    due: str = "",
    search: str = "",
    view: str = "",
) -> QuerySet[Task]:
    """Live tasks of the scope, filtered, in work order; ``view="snoozed"``: the snoozed ones instead
    (still asleep), so a CSM can see what they put off and wake it early.

    Order: severity, overdue first, then due day, then the bigger ARR, then the
    nearer renewal, then the exact due time. One query with the account, its score and the playbook joined.
    """
    start, tomorrow = day_bounds(now)
    qs = Task.objects.filter(scope.q)
    if view == SNOOZED:
        qs = qs.filter(status=Task.Status.SNOOZED, snoozed_until__gt=now)
    else:
        qs = qs.filter(live_tasks_q(now))
    if tier:
        qs = qs.filter(account__score__tier=tier)
    if playbook:
        qs = qs.filter(playbook_id=playbook)
    if due == "overdue":
        qs = qs.filter(due_at__lt=now)
    elif due == "today":
        qs = qs.filter(due_at__gte=start, due_at__lt=tomorrow)
    elif due == "week":
        qs = qs.filter(due_at__lt=start + dt.timedelta(days=7))
    if search:
        qs = qs.filter(
            Q(account__name__icontains=search) | Q(account__external_id__icontains=search) | Q(title__icontains=search)
        )
    severity_rank = Case(
        *[When(severity=sev, then=Value(rank)) for sev, rank in SEVERITY_RANK.items()],
        default=Value(0),
        output_field=IntegerField(),
    )
    overdue = Case(When(due_at__lt=now, then=Value(1)), default=Value(0), output_field=IntegerField())
    return (
        qs.select_related("account", "account__score", "account__owner", "playbook", "step", "assignee")
        .annotate(severity_rank=severity_rank, is_overdue=overdue)
        .order_by(
            "-severity_rank",
            "-is_overdue",
            TruncDate("due_at").asc(),
            F("account__arr").desc(),
            F("account__renewal_date").asc(nulls_last=True),
            "due_at",
            "pk",
        )
    )


def queue_counts(*, user, now: dt.datetime) -> dict[str, int]:
    """Nav counters in one aggregate query: my live tasks, overdue ones, and my teams' unassigned ones."""
    roles = roles_of(user)
    if not roles & {Role.CSM, Role.MANAGER, Role.OPS}:
        return {"open": 0, "overdue": 0, "unassigned": 0}
    mine = Q(assignee=user)
    team = managed_team_ids_q(user) if roles & {Role.MANAGER, Role.OPS} else Q(pk__in=[])
    scope = mine | team if roles & {Role.MANAGER, Role.OPS} else mine
    result = (
        Task.objects.filter(live_tasks_q(now))
        .filter(scope)
        .aggregate(
            open=Count("pk", filter=mine),
            overdue=Count("pk", filter=mine & Q(due_at__lt=now)),
            unassigned=Count("pk", filter=team),
        )
    )
    return {key: result[key] or 0 for key in ("open", "overdue", "unassigned")}


def can_act_on_task(user, task: Task) -> bool:
    """The task's assignee, or whoever may act on its account (owner, their manager, ops)."""
    if not can_work_queue(user):
        return False
    if task.assignee_id == user.pk:
        return True
    if task.assignee_id is None and task.team_id is not None and task.team.manager_id == user.pk:
        return True
    return can_act_on_account(user, task.account)


def task_for_action(user, pk: int) -> Task:
    """A task the user may act on; 404 if they cannot see it, 403 if they may only look (or have no role)."""
    if not can_work_queue(user):
        raise PermissionDenied("Only CSMs and their managers work tasks.")
    task = get_object_or_404(
        Task.objects.select_related("account", "account__team", "account__owner", "account__score", "team", "assignee",
                                    "playbook", "step"),
        pk=pk,
        account__in=visible_accounts(user),
    )
    if not can_act_on_task(user, task):
        raise PermissionDenied("You cannot act on this task.")
    return task


def tasks_for_bulk_action(user, pks: list[int]) -> list[Task]:
    """All the requested tasks, or 403 if any of them is not the user's to act on."""
    if not can_work_queue(user):
        raise PermissionDenied("Only CSMs and their managers work tasks.")
    tasks = list(
        Task.objects.select_related("account", "account__team", "account__owner", "team").filter(
            pk__in=pks, account__in=visible_accounts(user)
        )
    )
    if len(tasks) != len(set(pks)) or not all(can_act_on_task(user, task) for task in tasks):
        raise PermissionDenied("Some of these tasks are not yours to act on.")
    return tasks


def team_ids_by_user(user_ids) -> dict[int, set[int]]:
    """The teams each user is a member or the manager of (one query for any number of users)."""
    ids = list(user_ids)
    out: dict[int, set[int]] = defaultdict(set)
    if not ids:
        return out
    members = Team.members.through.objects.filter(user_id__in=ids).order_by().values_list("user_id", "team_id")
    managers = Team.objects.filter(manager_id__in=ids).order_by().values_list("manager_id", "pk")
    for user_id, team_id in members.union(managers, all=True):
        out[user_id].add(team_id)
    return out


def could_take_task(*, user_id: int, team_ids: set[int], task: Task) -> bool:
    """Could this person work the task once it is theirs? Its account's owner or manager, or someone
    on the account's (or the task's) team. Anyone else would see the task in their queue and get a
    404 acting on it (#12: ops handed tasks to another team's CSM)."""
    account = task.account
    if user_id in (account.owner_id, account.manager_id):
        return True
    return bool({account.team_id, task.team_id} - {None} & team_ids)


def assignable_users(user) -> QuerySet:
    """Who the user may hand tasks to: their teams' members and managers (everyone working tasks, for ops)."""
    roles = roles_of(user)
    qs = User.objects.filter(is_active=True)
    if Role.OPS in roles:
        qs = qs.filter(groups__name__in=[Role.CSM.value, Role.MANAGER.value])
    else:
        qs = qs.filter(
            Q(teams__members=user) | Q(teams__manager=user) | Q(managed_teams__members=user) | Q(managed_teams__manager=user) | Q(pk=user.pk)
        )
    return qs.distinct().order_by("first_name", "username")
