from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_htmx.http import push_url

from accounts.capabilities import Cap, can, checked_inside, requires
from accounts.roles import Role, roles_of
from accounts.selectors import filter_query
from healthscore import ops


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


@requires(Cap.HOME)
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


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on pages without a <link rel="icon"> (the admin's, files).

    The hashed name is looked up per request, not at import: `manage.py` commands import the URLconf
    (system checks) before `collectstatic` has written the manifest the production storage reads.
    """
    return redirect(static("favicon.svg"), permanent=True)


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process is up and answers (no database, so a database outage does not
    make an orchestrator restart every web process)."""
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: database, broker, a live worker cluster, and a daily run that is not overdue.
    200 when every check passes, else 503; the body names each check."""
    checks = ops.readiness(now=timezone.now())
    ready = all(c.ok for c in checks)
    body = {"status": "ok" if ready else "unavailable", "checks": {c.name: {"ok": c.ok, **c.detail} for c in checks}}
    return JsonResponse(body, status=200 if ready else 503)


@checked_inside(Cap.METRICS)
@require_GET
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics, for ``Authorization: Bearer $METRICS_TOKEN`` (or a signed-in superuser)."""
    token = settings.METRICS_TOKEN
    supplied = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    allowed = (token and constant_time_compare(supplied, token)) or can(request.user, Cap.METRICS)
    if not allowed:
        return HttpResponse("Metrics need 'Authorization: Bearer <METRICS_TOKEN>'.\n", status=403,
                            content_type="text/plain")
    body, content_type = ops.metrics_text()
    return HttpResponse(body, content_type=content_type)
