"""The CSM queue, its inline task actions, the nav counters and the manager dashboard.

One view, one template: a full page normally, a named partial of the same
template for htmx requests (``playbooks/queue.html#results``, ``#row``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from accounts.capabilities import Cap, can, requires
from accounts.exports import csv_response
from accounts.models import SavedView
from accounts.selectors import filter_query, page_by_ids
from accounts.views import saved_views_of
from healthscore.views import partial_template, push_clean_url
from playbooks import task_actions
from playbooks.dashboard import dashboard_data
from playbooks.forms import (
    BulkForm,
    CheckForm,
    CompleteForm,
    DismissForm,
    QueueFilterForm,
    ReassignForm,
    SnoozeForm,
)
from playbooks.models import Task
from playbooks.selectors import (
    SNOOZED,
    UNASSIGNED,
    assignable_users,
    could_take_task,
    queue_owner_choices,
    queue_scope,
    queue_tasks,
    task_for_action,
    tasks_for_bulk_action,
    team_ids_by_user,
)

PAGE_SIZE = 25  # a CSM works from the top; 25 rows keep the page well under 100 ms at any queue size
TASKS_CHANGED = "tasks-changed"
PAST = {"complete": "Completed", "snooze": "Snoozed", "dismiss": "Dismissed", "reassign": "Reassigned",
        "undo": "Restored", "wake": "Back in the queue"}
UNDOABLE = ("complete", "snooze", "dismiss")


_ACTIONS = ("complete", "snooze", "reassign", "dismiss", "check", "undo")
_PK = "2147483647"  # stands for the task's id in a URL reversed once per page


def _prepare_rows(tasks: list[Task], assignees: list) -> list[Task]:
    now = timezone.now()
    """Give each row what it would otherwise compute itself, once per page instead of once per row:
    its action URLs (``task.urls``) and its reassign <option>s (everyone but its assignee)."""
    patterns = {action: reverse(f"playbooks:task_{action}", args=[_PK]) for action in _ACTIONS}
    options: dict[tuple, str] = {}
    teams = team_ids_by_user([u.pk for u in assignees]) if tasks else {}
    for task in tasks:
        # Only people who could work the task once it is theirs (the account's team, owner, manager).
        key = (task.assignee_id, task.team_id, task.account.team_id, task.account.owner_id, task.account.manager_id)
        if key not in options:
            takers = [u for u in assignees if could_take_task(user_id=u.pk, team_ids=teams.get(u.pk, set()), task=task)]
            options[key] = render_to_string(
                "playbooks/queue.html#assignee_options", {"assignees": takers, "exclude": task.assignee_id}
            )
        task.assignee_options = options[key]  # a SafeString
        task.urls = {action: url.replace(_PK, str(task.pk)) for action, url in patterns.items()}
        task.snooze_days = task_actions.snooze_max_days(task.severity)
        task.snooze_max = task_actions.snooze_latest(severity=task.severity, now=now)
    return tasks


def _queue_context(request: HttpRequest, params) -> dict:
    now = timezone.now()
    form = QueueFilterForm(params)
    filters = form.values()
    scope = queue_scope(request.user, filters["who"])
    tasks = queue_tasks(
        scope=scope, now=now, tier=filters["tier"], playbook=filters["playbook"], due=filters["due"], search=filters["q"],
        view=filters["view"],
    )
    page = page_by_ids(tasks, number=params.get("page"), per_page=PAGE_SIZE)
    assignees = list(assignable_users(request.user))
    page.object_list = _prepare_rows(page.object_list, assignees)
    query = filter_query(params, drop=("page", "task", "action", "note", "until", "csrfmiddlewaretoken"))
    return {
        "now": now,
        "form": form,
        "scope": scope,
        "snoozed_view": filters["view"] == SNOOZED,
        "page": page,
        "query": query,
        "owners": list(queue_owner_choices(request.user)),
        "assignees": assignees,
        "unassigned_key": UNASSIGNED,
        "can_switch": can(request.user, Cap.SWITCH_QUEUE),
    }


@requires(Cap.WORK_QUEUE)
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    context = _queue_context(request, request.GET)
    context["saved_views"] = saved_views_of(request.user, SavedView.Page.QUEUE)
    response = render(request, partial_template(request, "playbooks/queue.html", "results"), context)
    return push_clean_url(request, response, "queue-results")


@requires(Cap.WORK_QUEUE)
@require_GET
def queue_export(request: HttpRequest) -> HttpResponse:
    """The queue as CSV: every task the filters select (all pages), in work order."""
    now = timezone.now()
    filters = QueueFilterForm(request.GET).values()
    scope = queue_scope(request.user, filters["who"])
    tasks = queue_tasks(scope=scope, now=now, tier=filters["tier"], playbook=filters["playbook"], due=filters["due"],
                        search=filters["q"], view=filters["view"])
    header = ["account_id", "account", "score", "tier", "task", "playbook", "severity", "status", "due_at", "assignee",
              "started_at", "arr", "renewal_date"]

    def rows():
        for t in tasks.iterator(chunk_size=2000):
            score = getattr(t.account, "score", None)
            assignee = (t.assignee.get_full_name() or t.assignee.username) if t.assignee else ""
            yield [t.account.external_id, t.account.name, f"{score.score:.1f}" if score else "", score.tier if score else "",
                   t.title, t.playbook.name, t.severity, t.status, timezone.localtime(t.due_at).isoformat(timespec="minutes"),
                   assignee, timezone.localtime(t.started_at).isoformat(timespec="minutes") if t.started_at else "",
                   t.account.arr, t.account.renewal_date or ""]

    return csv_response(filename=f"queue-{timezone.localdate(now).isoformat()}.csv", header=header, rows=rows())


@requires(Cap.WORK_QUEUE)
@require_GET
def counters(request: HttpRequest) -> HttpResponse:
    return render(request, "_nav.html#counts")


def _row_response(request: HttpRequest, task: Task, action: str, form: Form, status: int) -> HttpResponse:
    assignees = list(assignable_users(request.user))
    context = {"task": _prepare_rows([task], assignees)[0], "now": timezone.now(), "assignees": assignees,
               "open_action": action, "action_form": form}
    return render(request, "playbooks/queue.html#row", context, status=status)


def _conflict_response(request: HttpRequest, conflict: task_actions.TaskConflict) -> HttpResponse:
    """Someone acted on the task first: 409 with their action in words ("Already completed by Bob at …").

    htmx shows the text as a toast and reloads the list (the row moved on); a plain form post gets
    it as a message on the queue.
    """
    text = " ".join(conflict.messages)
    if request.htmx:
        response = HttpResponse(text, status=409, content_type="text/plain; charset=utf-8")
        return trigger_client_event(response, "task-conflict", {"task": conflict.task.pk, "message": text})
    messages.error(request, text)
    return redirect("playbooks:queue")


def _act(request: HttpRequest, pk: int, form_class: type[Form], action: str, run: Callable[[Task, dict], object]) -> HttpResponse:
    task = task_for_action(request.user, pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            run(task, form.cleaned_data)
        except task_actions.TaskConflict as conflict:
            return _conflict_response(request, conflict)
        except ValidationError as error:
            form.add_error(None, error)
    if form.errors:
        if request.htmx:
            return _row_response(request, task, action, form, status=422)
        messages.error(request, "; ".join(" ".join(errs) for errs in form.errors.values()))
        return redirect("playbooks:queue")
    if request.htmx:
        if action == "check":
            # The row stays: re-render it with its ticks (and the started mark).
            return _row_response(request, task, "complete", CompleteForm(), status=200)
        # The row leaves the list (empty swap); the nav counters re-fetch themselves; the toast offers Undo.
        detail = {"task": task.pk, "action": action}
        if action in UNDOABLE:
            detail["undo"] = reverse("playbooks:task_undo", args=[task.pk])
        return trigger_client_event(HttpResponse(""), TASKS_CHANGED, detail)
    messages.success(request, f"{PAST[action]}: {task.title}")
    return redirect(request.POST.get("next") if url_has_allowed_host_and_scheme(request.POST.get("next"), None) else "playbooks:queue")


@requires(Cap.WORK_QUEUE)
@require_POST
def task_complete(request: HttpRequest, pk: int) -> HttpResponse:
    now = timezone.now()
    return _act(request, pk, CompleteForm, "complete",
                lambda task, data: task_actions.task_complete(task=task, actor=request.user, note=data["note"], now=now))


@requires(Cap.WORK_QUEUE)
@require_POST
def task_snooze(request: HttpRequest, pk: int) -> HttpResponse:
    now = timezone.now()
    return _act(request, pk, SnoozeForm, "snooze",
                lambda task, data: task_actions.task_snooze(task=task, actor=request.user, until=data["until"], now=now))


@requires(Cap.WORK_QUEUE)
@require_POST
def task_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    now = timezone.now()
    return _act(request, pk, DismissForm, "dismiss",
                lambda task, data: task_actions.task_dismiss(task=task, actor=request.user, reason=data["reason"], now=now))


@requires(Cap.WORK_QUEUE)
@require_POST
def task_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, ReassignForm, "reassign",
                lambda task, data: task_actions.task_reassign(task=task, actor=request.user, assignee_id=data["assignee"]))


@requires(Cap.WORK_QUEUE)
@require_POST
def task_check(request: HttpRequest, pk: int) -> HttpResponse:
    now = timezone.now()
    return _act(request, pk, CheckForm, "check",
                lambda task, data: task_actions.task_check(task=task, actor=request.user, item=data["item"],
                                                           done=data["done"], now=now))


@requires(Cap.WORK_QUEUE)
@require_POST
def task_undo(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo a complete, snooze or dismiss (the toast's Undo; "Wake" in the snoozed view)."""
    now = timezone.now()
    action = "wake" if request.POST.get("wake") else "undo"
    return _act(request, pk, Form, action, lambda task, data: task_actions.task_reopen(task=task, actor=request.user, now=now))


@requires(Cap.WORK_QUEUE)
@require_POST
def tasks_bulk(request: HttpRequest) -> HttpResponse:
    """Complete, snooze, reassign or dismiss the ticked tasks, then show the list again with the same filters."""
    now = timezone.now()
    form = BulkForm(request.POST)
    done = 0
    if form.is_valid():
        tasks = tasks_for_bulk_action(request.user, form.cleaned_data["task"])
        data = form.cleaned_data
        try:
            if data["action"] == "complete":
                done = task_actions.tasks_bulk_complete(tasks=tasks, actor=request.user, note=data["note"], now=now)
            elif data["action"] == "snooze":
                done = task_actions.tasks_bulk_snooze(tasks=tasks, actor=request.user, until=data["until"], now=now)
            elif data["action"] == "reassign":
                done = task_actions.tasks_bulk_reassign(tasks=tasks, actor=request.user, assignee_id=data["assignee"], now=now)
            else:
                done = task_actions.tasks_bulk_dismiss(tasks=tasks, actor=request.user, reason=data["reason"], now=now)
        except ValidationError as error:
            form.add_error(None, error)
    if not request.htmx:
        if form.errors:
            messages.error(request, "; ".join(" ".join(errs) for errs in form.errors.values()))
        else:
            messages.success(request, f"{done} task{pluralize(done)} updated.")
        return redirect(reverse("playbooks:queue"))
    context = _queue_context(request, request.POST)
    context.update(bulk_form=form, bulk_done=done, bulk_action=form.cleaned_data.get("action") if not form.errors else "")
    response = render(request, "playbooks/queue.html#results", context, status=422 if form.errors else 200)
    if not form.errors:
        trigger_client_event(response, TASKS_CHANGED, {"count": done})
    return response


@requires(Cap.VIEW_DASHBOARD)
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "playbooks/dashboard.html", dashboard_data(user=request.user, now=timezone.now()))
