"""Every URL × every caller answers what the capability table says (#12 "Done means").

The URL patterns come from the resolver (``get_resolver().url_patterns``, recursively, the Django
admin included): no hand-kept list. Each view declares its capability (``@requires`` /
``@checked_inside`` on functions, ``capability``/``required_scope`` on API classes); the expected
answer for each caller is ``accounts.capabilities.can``:

- allowed: no 401/403, no redirect to a login page, no 5xx (400/404/405/422 are the view's own
  answers to an empty or repeated request);
- refused: 401 or 403, or a redirect to the login page (pages, for a visitor without a session).

Callers: a visitor, a user with no role, each role (CS ops both as a staff non-superuser and as a
superuser), and each API token kind (read, ingest, restricted to one account, which is also sent at
another account's URLs). The admin: the site lets staff in, then each ModelAdmin's own
permission decides (django-q's: the table's VIEW/EDIT_SCHEDULES), checked against its answer.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.contrib.auth.models import AnonymousUser, Group, User
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django_q.models import Schedule

from accounts.capabilities import Cap, can, view_capability
from accounts.models import SavedView
from accounts.roles import Role
from playbooks.models import Playbook, PlaybookStep, Task
from support.api.common import view_capability as api_view_capability
from support.api_auth import TokenUser
from support.models import ApiToken, Ticket
from tests.factories import AccountFactory, create_published_version

FIGURES: Counter = Counter()


def _patterns(patterns=None, prefix="", namespace=None):
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}:{p.namespace}" if namespace and p.namespace else (p.namespace or namespace)
            yield from _patterns(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace and p.name else (p.name or "")
            yield name, prefix + str(p.pattern), p.callback


def _path(route: str, values: dict[str, str]) -> str:
    path = route.replace("^", "").replace("$", "")
    path = re.sub(r"\(\?P<app_label>[^)]*\)", "accounts", path)
    path = path.replace("(?P<url>.*)", "no-such-page/")
    for key, value in values.items():
        path = re.sub(rf"<(?:\w+:)?{key}>", value, path)
    assert "<" not in path and "(" not in path, f"no test value for a parameter of {route}"
    return "/" + path


@pytest.fixture
def world(db, settings, scoring_setup, personas, team, alice):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"token": None}}
    cache.clear()
    account = AccountFactory(external_id="acme", owner=alice, team=team)
    other = AccountFactory(external_id="globex")
    playbook = Playbook.objects.create(name="Red", trigger_kind="enter_tier", tier="red", severity="high")
    step = PlaybookStep.objects.create(playbook=playbook, order=1, title="Call", due_offset_hours=24)
    task = Task.objects.create(account=account, playbook=playbook, step=step, title="Call", severity="high",
                               due_at=timezone.now(), assignee=alice)
    draft = create_published_version(scoring_setup.segment, scoring_setup.signals, status="draft", number=2)
    view = SavedView.objects.create(user=alice, page="portfolio", name="Mine", query="tier=red")
    Schedule.objects.create(name="daily", func="scoring.tasks.recompute_all_enqueue", schedule_type="D")
    Ticket.objects.create(external_id="1", account=account, opened_at=timezone.now(), updated_at=timezone.now())
    ops_staff = User.objects.create_user("opsstaff", "opsstaff@example.com", "pw", is_staff=True)
    ops_staff.groups.add(Group.objects.get(name=Role.OPS.value))
    tokens = {
        "token:read": ApiToken.generate(name="read", scope_read=True, scope_ingest=False),
        "token:ingest": ApiToken.generate(name="ingest", scope_read=False, scope_ingest=True),
        "token:restricted": ApiToken.generate(name="acme", scope_read=True, scope_ingest=True, account=account),
    }
    people = {"anonymous": None, "nobody": personas["nobody"], "csm": alice, "manager": personas["manager"],
              "support": personas["support"], "ops": ops_staff, "superuser": personas["ops"]}
    values = {"external_id": account.external_id, "pk": str(task.pk), "version_id": str(draft.pk),
              "public_id": "no-such-integration", "content_type_id": "1"}
    return {"people": people, "tokens": tokens, "values": values, "view_pk": str(view.pk), "other": other}


class _PersonClient(Client):
    """Signed in again after each request, so the logout URL cannot sign the caller out for the rest."""

    def __init__(self, user):
        super().__init__()
        self.user = user
        self.force_login(user)

    def request(self, **request):
        response = super().request(**request)
        if "_auth_user_id" not in self.session:
            self.force_login(self.user)
        return response


def _callers(world):
    """(label, identity for the table, a client sending as that caller)."""
    for label, user in world["people"].items():
        client = Client() if user is None else _PersonClient(user)
        yield label, user or AnonymousUser(), client
    for label, (token, key) in world["tokens"].items():
        yield label, TokenUser(token), Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def _refused(response) -> bool:
    # 405: the method is refused before anything else is looked at (nothing learnt, nothing done).
    if response.status_code in (401, 403, 405):
        return True
    return response.status_code == 302 and "login" in response.get("Location", "")


def _allowed(response) -> bool:
    # Let in: whatever the view answers an empty request (a 405 for the other method included).
    if response.status_code >= 500 or response.status_code in (401, 403):
        return False
    return not (response.status_code == 302 and "login" in response.get("Location", ""))


def _admin_expectation(callback, name: str, identity, obj) -> bool | None:
    """Does the admin let this caller in? None: only the site's staff gate is asserted."""
    staff = getattr(identity, "is_staff", False) and identity.is_active
    if name in ("admin:login", "admin:logout"):
        return True
    if not staff:
        return False
    model_admin = getattr(callback, "model_admin", None)
    if hasattr(callback, "admin_site"):  # the site's own pages: index, app list, password…
        return None if name == "admin:autocomplete" else True  # autocomplete refuses a bare request: 403
    if model_admin is None:
        return None  # a page a ModelAdmin adds with admin_view (clone, a user's password…) checks inside
    request = RequestFactory().get("/")
    request.user = identity
    prefix = f"admin:{model_admin.opts.app_label}_{model_admin.opts.model_name}_"
    action = name.removeprefix(prefix) if name.startswith(prefix) else ""
    if action == "changelist":
        answer = model_admin.has_view_or_change_permission(request)
    elif action == "add":
        answer = model_admin.has_add_permission(request)
    elif action in ("change", "history", "delete"):
        if obj is None:
            return None  # a missing object redirects to the index (history: before the check)
        if action == "delete":
            answer = model_admin.has_delete_permission(request, obj)
        else:
            answer = model_admin.has_view_or_change_permission(request, obj)
    else:
        return None  # a ModelAdmin's own extra page (clone, password…) checks inside
    if model_admin.opts.app_label == "django_q":
        # The table bounds django-q's admin: below superuser nobody adds, changes or deletes (records
        # such as Success/Failure have no add page for anyone, which is stricter still).
        cap = Cap.EDIT_SCHEDULES if action in ("add", "delete") else Cap.VIEW_SCHEDULES
        assert can(identity, cap) or not answer, f"{name}: the admin lets {identity} in, the table ({cap}) does not"
    return answer


def test_it_answers_every_url_for_every_caller_as_the_capability_table_says(world, request):
    problems: list[str] = []
    patterns = list(_patterns())
    callers = list(_callers(world))
    for name, route, callback in patterns:
        FIGURES["patterns"] += 1
        values = dict(world["values"])
        if name == "accounts:saved_view_delete":
            values["pk"] = world["view_pk"]
        if route.startswith("admin/"):
            FIGURES["admin patterns"] += 1
            model_admin = getattr(callback, "model_admin", None)
            obj = model_admin.model._default_manager.order_by("pk").first() if model_admin else None
            if obj is not None:
                values["object_id"] = str(obj.pk)
            values.setdefault("object_id", "0")
            values["id"] = values["object_id"]
            path = _path(route, values)
            for label, identity, client in callers:
                expected = _admin_expectation(callback, name, identity, obj)
                response = client.get(path)
                FIGURES["requests"] += 1
                if response.status_code >= 500:
                    problems.append(f"GET {path} ({name}) answered {response.status_code} to {label}")
                elif expected is True and not _allowed(response):
                    problems.append(f"GET {path} ({name}) refused {label}: {response.status_code}")
                elif expected is False and not _refused(response):
                    problems.append(f"GET {path} ({name}) let {label} in: {response.status_code}")
            continue
        view = getattr(callback, "cls", callback)
        path = _path(route, values)
        paths = [path]
        if "<str:external_id>" in route:
            paths.append(_path(route, {**values, "external_id": world["other"].external_id}))
        for method in ("get", "post"):
            cap = (api_view_capability(view) if hasattr(callback, "cls") and getattr(view, "capability", None) is None
                   else view_capability(view, method.upper()))
            assert cap is not None, f"{name} ({route}) declares no capability"
            for label, identity, client in callers:
                # Another account's URL is asked by the tokens only (for people, accounts.access decides).
                for target in paths if label.startswith("token:") else paths[:1]:
                    expected = can(identity, cap)
                    if target != path and label == "token:restricted":
                        expected = False  # another account's URL: the restriction refuses it
                    response = getattr(client, method)(target)
                    FIGURES["requests"] += 1
                    readiness = name == "readyz" and response.status_code == 503  # no worker in tests: "not ready"
                    if cap == Cap.PUBLIC:
                        ok = response.status_code < 500 or readiness
                    else:
                        # A webhook URL without an integration answers 404 to everyone.
                        unknown_hook = cap == Cap.SIGNED_DELIVERY and response.status_code == 404
                        ok = _allowed(response) if expected else _refused(response) or unknown_hook
                    if (response.status_code >= 500 and not readiness) or not ok:
                        verb = "let in" if not expected else "refused"
                        problems.append(
                            f"{method.upper()} {target} ({name}, {cap.value}) {verb} {label}: {response.status_code}"
                        )
    FIGURES["callers"] = len(callers)
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(
            f"\nURL walker: {FIGURES['patterns']} patterns ({FIGURES['admin patterns']} admin) x "
            f"{FIGURES['callers']} callers = {FIGURES['requests']} requests, problems: {len(problems)}"
        )
    assert problems == [], "\n".join(problems)
    assert FIGURES["patterns"] > 200 and FIGURES["callers"] == 10
