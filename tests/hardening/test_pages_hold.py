"""Issue #12 item 4: pages that answered 500 for legitimate but unusual data, or for an API token.

- the account page when a task has no assignee, the dashboard when a changed account has no owner:
  ``{{ x.owner.get_full_name|default:x.owner.username }}`` raises when there is no owner (a filter
  argument that cannot be resolved is an error in Django templates); the ``person`` filter replaces it;
- an HTML page rendered for an API token (``/api/docs/`` with a Bearer token): the nav asked the
  token's user for its groups (None).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.urls import get_resolver
from django.utils import timezone

from playbooks.models import Playbook, PlaybookStep, Task
from playbooks.templatetags.hs_ui import person
from scoring.models import ScoreChange
from support.models import ApiToken
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _task(account, assignee=None) -> Task:
    playbook = Playbook.objects.create(name="Red rescue", trigger_kind="enter_tier", tier="red", severity="high")
    step = PlaybookStep.objects.create(playbook=playbook, order=1, title="Call the champion", due_offset_hours=48)
    return Task.objects.create(
        account=account, playbook=playbook, step=step, assignee=assignee, title=step.title, severity="high",
        due_at=timezone.now() + dt.timedelta(hours=24),
    )


def test_the_account_page_shows_a_task_without_assignee(client, manager, scoring_setup):
    account = AccountFactory(external_id="acme", name="Acme", owner=None)
    _task(account, assignee=None)
    client.force_login(manager)

    response = client.get("/accounts/acme/")

    assert response.status_code == 200
    assert re.search(r"Call the champion<div class=\"muted small\">.*· unassigned</div>", response.content.decode())


def test_the_dashboard_lists_a_tier_change_of_an_account_without_owner(client, manager, scoring_setup):
    account = AccountFactory(external_id="orphan", name="Orphan Ltd", owner=None)
    ScoreChange.objects.create(
        account=account, date=timezone.localdate(), from_score=60, to_score=40, from_tier="yellow", to_tier="red",
        tier_changed=True, model_version=scoring_setup.version, summary="−20: logins −20",
    )
    client.force_login(manager)

    response = client.get("/dashboard/")

    assert response.status_code == 200
    assert re.search(r"Orphan Ltd</a></td>.*?<td class=\"small\">–</td></tr>", response.content.decode(), re.S)


def test_person_names_a_user_or_says_who_is_missing(alice):
    alice.first_name, alice.last_name = "Alice", "Archer"
    assert person(alice) == "Alice Archer"
    alice.first_name = alice.last_name = ""
    assert person(alice) == "alice"
    assert person(None, "unassigned") == "unassigned"


def test_no_template_looks_up_a_filter_argument_through_a_relation():
    """``|default:a.b.c`` raises VariableDoesNotExist when ``a.b`` is None; use ``|person`` (or an if)."""
    offenders = []
    for path in TEMPLATES.rglob("*.*"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for match in re.finditer(r"\|\w+:([A-Za-z_]\w*(?:\.\w+){2,})", line):
                offenders.append(f"{path.relative_to(TEMPLATES)}:{number}: {match[1]}")
    assert offenders == []


def test_html_pages_under_an_api_token_render(client, scoring_setup):
    key = ApiToken.generate(name="reader", scope_ingest=False, scope_read=True)[1]
    response = client.get("/api/docs/", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    assert b"swagger-ui" in response.content


def test_no_api_url_answers_5xx_to_a_token_asking_for_html(client, scoring_setup):
    """Every API route, walked from the resolver, with a token and a browser's Accept header."""
    AccountFactory(external_id="acme")
    key = ApiToken.generate(name="all", scope_ingest=True, scope_read=True)[1]
    api = next(p for p in get_resolver().url_patterns if str(p.pattern) == "api/")
    urls = ["/api/" + str(p.pattern).replace("<str:external_id>", "acme") for p in api.url_patterns]
    assert len(urls) >= 10
    for url in urls:
        for method in ("get", "post", "put"):
            response = getattr(client, method)(
                url, HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8"
            )
            assert response.status_code < 500, (method, url, response.status_code)
