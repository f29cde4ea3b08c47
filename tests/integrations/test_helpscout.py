"""Help Scout is the fourth helpdesk: one module (integrations/helpscout.py) and this file."""

from __future__ import annotations

import json

import pytest

from support.models import Ticket
from tests.integrations.conftest import (
    body_bytes,
    fixture,
    helpscout_headers,
    score_of,
    support_values,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def helpscout(make_integration):
    return make_integration("helpscout")


def test_it_stores_a_signed_conversation_and_moves_the_score(world, helpscout, deliver):
    before = score_of(world)
    body, headers = fixture("helpscout_convo_created.json")
    response = deliver(helpscout, body, helpscout_headers(body, event=headers["X-HelpScout-Event"]))
    assert response.status_code == 201, response.json()
    ticket = Ticket.objects.get()
    assert (ticket.source, ticket.external_id, ticket.account) == ("helpscout", "291938", world)
    assert (ticket.status, ticket.escalated, ticket.url) == (
        "open", True, "https://secure.helpscout.net/conversation/291938/349/",
    )  # fmt: skip
    assert support_values(world)["open_tickets"] == 1.0
    assert score_of(world) < before


def test_it_refuses_a_wrong_signature(world, helpscout, deliver):
    body, _ = fixture("helpscout_convo_created.json")
    assert deliver(helpscout, body, helpscout_headers(body, event="convo.created", secret="x")).status_code == 401
    assert not Ticket.objects.exists()


def test_it_ignores_events_it_does_not_use(world, helpscout, deliver):
    body = body_bytes({"id": 12, "email": "bear@acme.com"})
    response = deliver(helpscout, body, helpscout_headers(body, event="customer.created"))
    assert response.status_code == 200 and response.json()["ignored"] is True


def test_a_replayed_older_conversation_changes_nothing(world, helpscout, deliver):
    payload = json.loads(fixture("helpscout_convo_created.json")[0])
    newer = json.loads(json.dumps(payload))
    newer.update(status="closed", userUpdatedAt="2026-11-20T11:59:00Z")
    first = body_bytes(newer)
    deliver(helpscout, first, helpscout_headers(first, event="convo.status"))
    older = body_bytes(payload)
    response = deliver(helpscout, older, helpscout_headers(older, event="convo.created"))
    assert response.json()["tickets"][0]["stale"] is True
    assert Ticket.objects.get().status == "solved"
