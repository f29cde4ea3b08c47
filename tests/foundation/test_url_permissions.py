"""Every URL checks permissions: a guard against a new page that forgets to.

Walks the whole URL configuration (the Django admin has its own checks) and
requests each URL, GET and POST, as an anonymous visitor and as ``nobody`` (a
logged-in user with no role). Only the explicit public list may answer them;
everything else must redirect to the login page or refuse (401/403/404/405).
Role-by-role behaviour is tested beside each feature.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from integrations.models import Integration
from playbooks.models import Playbook, PlaybookStep, Task
from tests.factories import AccountFactory, create_published_version

# Deliberately public: health check, the login/logout pages (the API's schema and docs need sign-in, #12).
PUBLIC = {"healthz", "readyz", "login", "logout", "favicon"}
REFUSED = {302, 401, 403, 404, 405}


def _patterns(patterns=None, prefix="", namespace=None):
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            if str(p.pattern).startswith("admin/"):
                continue
            yield from _patterns(p.url_patterns, prefix + str(p.pattern), p.namespace or namespace)
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace else p.name
            yield name, prefix + str(p.pattern)


@pytest.fixture
def world(scoring_setup, alice):
    account = AccountFactory(external_id="acme", owner=alice)
    playbook = Playbook.objects.create(name="Red", trigger_kind="enter_tier", tier="red", severity="high")
    step = PlaybookStep.objects.create(playbook=playbook, order=1, title="Call", due_offset_hours=24)
    task = Task.objects.create(account=account, playbook=playbook, step=step, title="Call", severity="high",
                               due_at=timezone.now(), assignee=alice)
    draft = create_published_version(scoring_setup.segment, scoring_setup.signals, status="draft", number=2)
    integration = Integration.objects.create(vendor="zendesk", name="Zendesk", secret="s")
    values = {"external_id": account.external_id, "pk": task.pk, "version_id": draft.pk,
              "public_id": integration.public_id}  # fmt: skip
    urls = []
    for name, route in _patterns():
        path = "/" + route
        for key, value in values.items():
            path = path.replace(f"<str:{key}>", str(value)).replace(f"<int:{key}>", str(value))
        assert "<" not in path, f"no test value for a parameter of {name}: {route}"
        urls.append((name, path))
    return urls


def _check(client, urls, who: str) -> list[str]:
    problems = []
    for name, path in urls:
        if name in PUBLIC or (who == "nobody" and name == "home"):
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            if response.status_code not in REFUSED:
                problems.append(f"{method.upper()} {path} ({name}) answered {response.status_code} to {who}")
            elif response.status_code == 302 and "/login/" not in response["Location"]:
                problems.append(f"{method.upper()} {path} ({name}) redirected {who} to {response['Location']}")
    return problems


def test_it_refuses_anonymous_visitors_everywhere_but_the_public_urls(client, world):
    assert len(world) > 25
    assert _check(client, world, "anonymous") == []


def test_it_refuses_a_user_without_a_role_everywhere(client, world, nobody):
    client.force_login(nobody)
    assert _check(client, world, "nobody") == []
    assert client.get("/").status_code == 403  # home explains that the user has no role


def test_it_keeps_the_public_list_public(client, world):
    assert client.get("/healthz").status_code == 200
    assert client.get("/login/").status_code == 200
    assert client.get("/api/schema/").status_code == 401
    assert client.get("/api/docs/").status_code == 401
