from __future__ import annotations

import datetime as dt
import json

import pytest

from integrations.models import IntegrationEvent
from support.models import ApiToken, Ticket
from tests.integrations.conftest import (
    NOW,
    body_bytes,
    fixture,
    score_of,
    support_values,
    zendesk_headers,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def zendesk(make_integration):
    return make_integration("zendesk")


def test_it_stores_a_signed_german_trigger_delivery_matches_the_unicode_contact_and_moves_the_score(
    world, zendesk, deliver
):
    before = score_of(world)
    body, _ = fixture("zendesk_trigger_de.json")
    response = deliver(zendesk, body, zendesk_headers(body))
    assert response.status_code == 201, response.json()
    ticket = Ticket.objects.get(source="zendesk", external_id="35436")
    assert (ticket.account, ticket.requester_email) == (world, "zoe.müller1@acme.com")
    assert (ticket.status, ticket.priority, ticket.escalated) == ("open", "high", True)
    assert ticket.opened_at == dt.datetime(2026, 11, 18, tzinfo=dt.UTC)  # "Nov 18, 2026"
    assert ticket.updated_at == dt.datetime(2026, 11, 20, 11, 58, tzinfo=dt.UTC)
    signals = support_values(world)
    assert signals["open_tickets"] == 1.0
    assert score_of(world) < before


def test_it_refuses_a_wrong_signature_and_changes_nothing(world, zendesk, deliver):
    body, _ = fixture("zendesk_trigger_de.json")
    headers = zendesk_headers(body, secret="not-the-secret")
    response = deliver(zendesk, body, headers)
    assert response.status_code == 401
    assert not Ticket.objects.exists() and support_values(world) == {}


def test_it_refuses_a_bogus_signature_even_with_a_valid_token(world, zendesk, deliver):
    """A token is an alternative to the signature only when it is itself valid; a bad signature with a
    read-only token is still refused."""
    key = ApiToken.generate(name="reader", scope_ingest=False, scope_read=True)[1]
    body, _ = fixture("zendesk_trigger_de.json")
    headers = zendesk_headers(body, secret="bogus") | {"Authorization": f"Bearer {key}"}
    assert deliver(zendesk, body, headers).status_code == 401
    assert not Ticket.objects.exists()


def test_it_refuses_a_bogus_signature_beside_a_valid_ingest_token(world, zendesk, deliver):
    key = ApiToken.generate(name="ingest", scope_ingest=True, scope_read=True)[1]
    body, _ = fixture("zendesk_trigger_de.json")
    headers = zendesk_headers(body, secret="bogus") | {"Authorization": f"Bearer {key}"}
    assert deliver(zendesk, body, headers).status_code == 401
    assert not Ticket.objects.exists()


def test_it_accepts_our_ingest_token_instead_of_the_signature(world, zendesk, deliver):
    key = ApiToken.generate(name="ingest", scope_ingest=True, scope_read=True)[1]
    body, _ = fixture("zendesk_trigger_de.json")
    assert deliver(zendesk, body, {"Authorization": f"Bearer {key}"}).status_code == 201
    assert Ticket.objects.get().account == world


def test_it_refuses_a_stale_timestamp_and_changes_nothing(world, zendesk, deliver):
    body, _ = fixture("zendesk_trigger_de.json")
    headers = zendesk_headers(body, at=NOW - dt.timedelta(minutes=6))
    assert deliver(zendesk, body, headers).status_code == 401
    assert not Ticket.objects.exists()


def test_it_refuses_a_body_changed_after_signing(world, zendesk, deliver):
    body, _ = fixture("zendesk_trigger_de.json")
    headers = zendesk_headers(body)
    tampered = body.replace(b'"Offen"', b'"Solved"')
    assert deliver(zendesk, tampered, headers).status_code == 401


def test_a_replayed_older_delivery_changes_nothing(world, zendesk, deliver):
    payload = json.loads(fixture("zendesk_trigger_de.json")[0])
    newer = json.loads(json.dumps(payload))
    newer["ticket"].update(status="Gelöst", updated_at_with_timestamp="2026-11-20T11:59:30Z")
    first = body_bytes(newer)
    assert deliver(zendesk, first, zendesk_headers(first)).status_code == 201
    stored = Ticket.objects.get()
    assert stored.status == "solved"
    signals = support_values(world)
    older = body_bytes(payload)  # the "Offen" delivery of 11:58 arrives late (or is replayed)
    response = deliver(zendesk, older, zendesk_headers(older))
    assert response.status_code == 200
    assert response.json()["tickets"][0]["stale"] is True
    stored.refresh_from_db()
    assert (stored.status, stored.updated_at) == ("solved", dt.datetime(2026, 11, 20, 11, 59, 30, tzinfo=dt.UTC))
    assert support_values(world) == signals


def test_an_event_webhook_updates_the_ticket_we_hold_and_never_makes_a_junk_ticket(world, zendesk, deliver):
    event, _ = fixture("zendesk_event_status_changed.json")
    response = deliver(zendesk, event, zendesk_headers(event))  # before any trigger delivery
    assert response.status_code == 201 and response.json()["event_stored"] is True
    assert not Ticket.objects.exists()
    assert IntegrationEvent.objects.get().external_id == "35436"

    trigger, _ = fixture("zendesk_trigger_de.json")
    deliver(zendesk, trigger, zendesk_headers(trigger))
    response = deliver(zendesk, event, zendesk_headers(event))
    assert response.status_code == 200, response.json()
    ticket = Ticket.objects.get()
    assert (ticket.status, ticket.account, ticket.requester_email) == ("solved", world, "zoe.müller1@acme.com")
    assert ticket.escalated is True  # the event does not say: kept
    assert support_values(world)["open_tickets"] == 0.0


@pytest.mark.parametrize(
    ("status", "category", "expected"),
    [("Offen", None, "open"), ("En attente", None, "pending"), ("Gelöst", None, "solved"),
     ("Warten auf Kunde", "pending", "pending"), ("Awaiting parts", "hold", "pending"), ("SOLVED", None, "solved")],
)  # fmt: skip
def test_it_maps_localized_and_custom_statuses(world, zendesk, deliver, status, category, expected):
    payload = json.loads(fixture("zendesk_trigger_de.json")[0])
    payload["ticket"]["status"] = status
    if category:
        payload["ticket"]["status_category"] = category
    body = body_bytes(payload)
    assert deliver(zendesk, body, zendesk_headers(body)).status_code == 201
    assert Ticket.objects.get().status == expected


def test_it_reads_both_date_placeholders(world, zendesk, deliver):
    payload = json.loads(fixture("zendesk_trigger_de.json")[0])
    payload["ticket"]["created_at"] = "November 17, 2026"
    payload["ticket"]["created_at_with_timestamp"] = "2026-11-17T09:15:00Z"
    body = body_bytes(payload)
    deliver(zendesk, body, zendesk_headers(body))
    assert Ticket.objects.get().opened_at == dt.datetime(2026, 11, 17, 9, 15, tzinfo=dt.UTC)
