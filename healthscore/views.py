from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django_htmx.http import push_url

from accounts.roles import Role, roles_of
from accounts.selectors import filter_query


def partial_template(request: HttpRequest, template: str, partial: str) -> str:
    """The named partial for htmx swaps; the full page for normal loads and history restores."""
    if request.htmx and not request.htmx.history_restore_request:
        return f"{template}#{partial}"
    return template


def push_clean_url(request: HttpRequest, response: HttpResponse, results_id: str) -> HttpResponse:
    """A filter, sort or page swap of ``results_id`` pushes its URL without the form's empty fields (``?tier=red``,
    not ``?who=&tier=red&q=``). Other htmx reads of the page (a count refreshing itself) push nothing."""
    if request.htmx and request.htmx.target == results_id and not request.htmx.history_restore_request:
        query = filter_query(request.GET)
        push_url(response, request.path + (f"?{query}" if query else ""))
    return response


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each person to where they work: the admin user to the admin, CSMs to their queue,
    managers to the dashboard, support agents to the tickets."""
    roles = roles_of(request.user)
    candidates = []
    # A superuser's roles include manager (accounts.roles), but their job is the admin.
    if request.user.is_superuser and not request.user.groups.filter(name__in=[Role.CSM.value, Role.MANAGER.value]).exists():
        candidates.append("admin:index")
    if Role.SUPPORT in roles and not (roles & {Role.CSM, Role.MANAGER, Role.OPS}):
        candidates.append("support:tickets")
    if Role.MANAGER in roles:
        candidates.append("playbooks:dashboard")
    if Role.CSM in roles or Role.MANAGER in roles:
        candidates.append("playbooks:queue")
    if Role.OPS in roles or request.user.is_staff:
        candidates.append("admin:index")
    if candidates:
        return redirect(candidates[0])
    raise PermissionDenied("Your user has no Healthscore role yet; ask an admin to add you to a group.")


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
