from __future__ import annotations

import json

import pytest

from accounts.models import Contact
from support.models import Ticket
from tests.integrations.conftest import (
    body_bytes,
    fixture,
    intercom_headers,
    score_of,
    support_values,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def intercom(make_integration):
    return make_integration("intercom")


def test_it_answers_the_ping_with_200_and_stores_nothing(world, intercom, deliver):
    body, _ = fixture("intercom_ping.json")
    response = deliver(intercom, body, intercom_headers(body))
    assert response.status_code == 200 and response.json()["ignored"] is True
    assert not Ticket.objects.exists()


def test_it_stores_a_signed_2x_conversation_and_moves_the_score(world, intercom, deliver):
    Contact.objects.create(account=world, name="Fox Mulder", email="fox@acme.com")
    before = score_of(world)
    body, _ = fixture("intercom_conversation_2x.json")
    response = deliver(intercom, body, intercom_headers(body))
    assert response.status_code == 201, response.json()
    ticket = Ticket.objects.get()
    assert (ticket.source, ticket.external_id, ticket.account) == ("intercom", "147000012345", world)
    assert (ticket.status, ticket.priority, ticket.escalated, ticket.csat) == ("open", "high", True, 25.0)
    assert support_values(world)["open_tickets"] == 1.0
    assert score_of(world) < before


def test_it_reads_the_requester_of_a_1x_conversation_from_item_user(world, intercom, deliver):
    body, _ = fixture("intercom_conversation_1x.json")
    assert deliver(intercom, body, intercom_headers(body)).status_code == 201
    ticket = Ticket.objects.get()
    assert (ticket.requester_email, ticket.account) == ("dana@acme.com", world)
    assert ticket.subject == "Invoices are missing the VAT number."


def test_it_stores_an_intercom_ticket_topic(world, intercom, deliver):
    body, _ = fixture("intercom_ticket_created.json")
    assert deliver(intercom, body, intercom_headers(body)).status_code == 201
    ticket = Ticket.objects.get()
    assert (ticket.external_id, ticket.subject, ticket.status, ticket.account) == (
        "494", "Data export stuck at 99 %", "open", world,
    )  # fmt: skip
    payload = json.loads(body)
    payload["topic"] = "ticket.state.updated"
    payload["data"]["item"].update(ticket_state={"type": "ticket_state", "category": "resolved"}, open=False,
                                   updated_at=payload["data"]["item"]["updated_at"] + 60)  # fmt: skip
    again = body_bytes(payload)
    assert deliver(intercom, again, intercom_headers(again)).status_code == 200
    assert Ticket.objects.get().status == "solved"


def test_it_refuses_a_wrong_or_missing_signature(world, intercom, deliver):
    body, _ = fixture("intercom_conversation_2x.json")
    assert deliver(intercom, body, intercom_headers(body, secret="other")).status_code == 401
    assert deliver(intercom, body, {}).status_code == 401
    assert not Ticket.objects.exists()


def test_a_replayed_older_conversation_changes_nothing(world, intercom, deliver):
    payload = json.loads(fixture("intercom_conversation_2x.json")[0])
    newer = json.loads(json.dumps(payload))
    newer["data"]["item"].update(state="closed", open=False, updated_at=payload["data"]["item"]["updated_at"] + 60)
    first = body_bytes(newer)
    deliver(intercom, first, intercom_headers(first))
    older = body_bytes(payload)
    response = deliver(intercom, older, intercom_headers(older))
    assert response.status_code == 200 and response.json()["tickets"][0]["stale"] is True
    assert Ticket.objects.get().status == "solved"
