"""±1e30 and 1.7e308 in every numeric field of every ticket webhook (issue #11 item 3): a clear 400
naming the field, or stored and scored — never a 500, and every other account is still scored."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest
import time_machine

from accounts.models import AccountDomain
from scoring.models import AccountScore, Observation
from support.models import Ticket
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db
PAYLOADS = Path(__file__).parent / "payloads"
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)
POISON = [1e30, -1e30, 1.7e308]


def payload(name: str) -> dict:
    return json.loads((PAYLOADS / name).read_text())


def _set(body: dict, path: str, value) -> dict:
    body = copy.deepcopy(body)
    *parents, last = path.split(".")
    node = body
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    node[int(last) if isinstance(node, list) else last] = value
    return body


GENERIC = {"tickets": [{"external_id": "T-1", "requester_email": "fox@acme.com", "status": "open", "csat": 80}]}

# (endpoint, body, where the poison goes, the field a 400 names — None: stored, the value ignored)
CASES = [
    ("/api/v1/tickets/", GENERIC, "tickets.0.csat", "tickets[0].csat"),
    ("/api/v1/tickets/", GENERIC, "tickets.0.opened_at", "tickets[0].opened_at"),
    ("/api/v1/tickets/zendesk/", "zendesk_ticket.json", "ticket.id", "ticket.id"),
    ("/api/v1/tickets/zendesk/", "zendesk_ticket.json", "ticket.created_at", "ticket.created_at"),
    ("/api/v1/tickets/intercom/", "intercom_conversation.json", "data.item.conversation_rating.rating", None),
    ("/api/v1/tickets/intercom/", "intercom_conversation.json", "data.item.created_at", "data.item.created_at"),
    ("/api/v1/tickets/freshdesk/", "freshdesk_ticket.json", "status", None),
    ("/api/v1/tickets/freshdesk/", "freshdesk_ticket.json", "priority", None),
    ("/api/v1/tickets/freshdesk/", "freshdesk_ticket.json", "created_at", "created_at"),
]


@pytest.fixture
def world(scoring_setup):
    acme = AccountFactory(external_id="acme", name="Acme")
    AccountDomain.objects.create(account=acme, domain="acme.com")
    other = AccountFactory(external_id="globex", name="Globex")
    return acme, other


@pytest.mark.parametrize("value", POISON, ids=["1e30", "-1e30", "1.7e308"])
@pytest.mark.parametrize("url, body, where, field", CASES, ids=[f"{c[0].split('/')[-2]}:{c[2]}" for c in CASES])
def test_a_poisoned_webhook_is_refused_by_field_or_stored_and_scored(api, world, url, body, where, field, value,
                                                                    django_capture_on_commit_callbacks):
    acme, other = world
    body = payload(body) if isinstance(body, str) else body
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        response = api.post(url, _set(body, where, value), format="json")
        good = api.post("/api/v1/tickets/", {"tickets": [{"external_id": "G-1", "account": "globex"}]}, format="json")
    assert response.status_code < 500, response.content
    if field is not None:
        assert response.status_code == 400, response.json()
        assert list(response.json()["errors"]) == [field]
        assert not Ticket.objects.filter(account=acme).exists()
    else:
        assert response.status_code in (200, 201), response.json()
        ticket = Ticket.objects.get(account=acme)
        assert ticket.csat is None or 0 <= ticket.csat <= 100
        assert all(abs(v) <= 1e12 for v in Observation.objects.filter(account=acme).values_list("value", flat=True))
        assert AccountScore.objects.filter(account=acme).exists()
    assert good.status_code == 201 and AccountScore.objects.filter(account=other).exists()
