from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import time_machine

from accounts.models import AccountDomain, Contact
from support.models import Ticket

pytestmark = pytest.mark.django_db
PAYLOADS = Path(__file__).parent / "payloads"
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)


def payload(name: str) -> dict:
    return json.loads((PAYLOADS / name).read_text())


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def acme_domain(acme):
    AccountDomain.objects.create(account=acme, domain="acme.com")
    return acme


def test_it_maps_a_zendesk_ticket(api, acme_domain):
    response = api.post("/api/v1/tickets/zendesk/", payload("zendesk_ticket.json"), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["tickets"] == [
        {"source": "zendesk", "external_id": "35436", "account": "acme", "status": "open", "created": True}
    ]
    t = Ticket.objects.get()
    assert (t.requester_email, t.subject, t.priority) == ("dana@acme.com", "Exports failing since Monday", "high")
    assert (t.escalated, t.csat, t.solved_at) == (True, 0.0, None)
    assert t.opened_at == dt.datetime(2026, 11, 17, 9, 15, tzinfo=dt.UTC)
    assert t.updated_at == dt.datetime(2026, 11, 19, 16, 40, 12, tzinfo=dt.UTC)
    assert t.url == "https://acme-help.zendesk.com/agent/tickets/35436"


def test_it_upserts_a_zendesk_ticket_by_id_when_it_is_solved(api, acme_domain):
    body = payload("zendesk_ticket.json")
    api.post("/api/v1/tickets/zendesk/", body, format="json")
    body["ticket"].update(status="solved", updated_at="2026-11-20T10:00:00Z", satisfaction_rating={"score": "good"})
    response = api.post("/api/v1/tickets/zendesk/", body, format="json")
    assert response.status_code == 200
    assert response.json()["tickets"][0]["created"] is False
    t = Ticket.objects.get()
    assert (t.status, t.csat, t.solved_at) == ("solved", 100.0, dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC))


def test_it_maps_an_intercom_conversation_by_contact_email(api, acme):
    Contact.objects.create(account=acme, name="Fox Mulder", email="Fox@acme.com")
    response = api.post("/api/v1/tickets/intercom/", payload("intercom_conversation.json"), format="json")
    assert response.status_code == 201, response.json()
    t = Ticket.objects.get()
    assert (t.source, t.external_id, t.account, t.requester_email) == ("intercom", "147000012345", acme, "fox@acme.com")
    assert t.subject == "Our SSO login stopped working for the whole team."
    assert (t.status, t.priority, t.escalated, t.csat) == ("open", "high", True, 25.0)
    assert t.opened_at == dt.datetime(2026, 11, 18, 9, tzinfo=dt.UTC)


def test_it_maps_an_intercom_close_to_solved(api, acme_domain):
    body = payload("intercom_conversation.json")
    body["topic"] = "conversation.admin.closed"
    body["data"]["item"].update(state="closed", open=False, statistics={"last_close_at": 1795078800})
    api.post("/api/v1/tickets/intercom/", body, format="json")
    t = Ticket.objects.get()
    assert (t.status, t.solved_at) == ("solved", dt.datetime(2026, 11, 19, 9, tzinfo=dt.UTC))


def test_it_maps_a_freshdesk_api_ticket(api, acme_domain):
    response = api.post("/api/v1/tickets/freshdesk/", payload("freshdesk_ticket.json"), format="json")
    assert response.status_code == 201, response.json()
    t = Ticket.objects.get()
    assert (t.source, t.external_id, t.account, t.requester_email) == ("freshdesk", "4821", acme_domain, "walter@acme.com")
    assert (t.status, t.priority, t.escalated) == ("pending", "medium", False)


def test_it_maps_a_freshdesk_automation_webhook(api, acme_domain):
    response = api.post("/api/v1/tickets/freshdesk/", payload("freshdesk_automation_webhook.json"), format="json")
    assert response.status_code == 201, response.json()
    t = Ticket.objects.get()
    assert (t.external_id, t.status, t.priority, t.escalated) == ("4822", "solved", "urgent", True)
    assert t.url == "https://acme.freshdesk.com/helpdesk/tickets/4822"
    assert t.solved_at == dt.datetime(2026, 11, 12, 8, tzinfo=dt.UTC)


def test_it_stores_a_ticket_of_an_unknown_requester_without_account(api, acme):
    body = payload("zendesk_ticket.json")
    body["ticket"]["requester"]["email"] = "someone@unknown.org"
    response = api.post("/api/v1/tickets/zendesk/", body, format="json")
    assert response.status_code == 201
    assert response.json()["tickets"][0]["account"] is None


def test_it_upserts_generic_tickets_and_lets_account_override_email(api, acme_domain):
    other = acme_domain.__class__.objects.create(name="Globex", external_id="globex")
    body = {
        "tickets": [
            {"external_id": "T-1", "requester_email": "x@acme.com", "subject": "A", "opened_at": "2026-11-18T00:00:00Z"},
            {"external_id": "T-2", "requester_email": "x@acme.com", "account": "globex", "status": "pending",
             "escalated": True, "csat": 80},
        ]
    }  # fmt: skip
    response = api.post("/api/v1/tickets/", body, format="json")
    assert response.status_code == 201
    assert [(t["external_id"], t["account"]) for t in response.json()["tickets"]] == [("T-1", "acme"), ("T-2", "globex")]
    t2 = Ticket.objects.get(external_id="T-2")
    assert (t2.account, t2.status, t2.escalated, t2.csat) == (other, "pending", True, 80.0)
    assert api.post("/api/v1/tickets/", body, format="json").status_code == 200
    assert Ticket.objects.count() == 2


@pytest.mark.parametrize(
    "url, body, field",
    [
        ("/api/v1/tickets/", {"tickets": []}, "tickets"),
        ("/api/v1/tickets/", {"tickets": [{"subject": "no id"}]}, "tickets[0].external_id"),
        ("/api/v1/tickets/", {"tickets": [{"external_id": "1", "status": "lost"}]}, "tickets[0].status"),
        ("/api/v1/tickets/", {"tickets": [{"external_id": "1", "csat": 101}]}, "tickets[0].csat"),
        ("/api/v1/tickets/", {"tickets": [{"external_id": "1", "opened_at": "soon"}]}, "tickets[0].opened_at"),
        ("/api/v1/tickets/", {"tickets": [{"external_id": "1", "account": "nope"}]}, "account"),
        ("/api/v1/tickets/", {"tickets": [{"external_id": "1", "requester_email": "bad"}]}, "tickets[0].requester_email"),
        ("/api/v1/tickets/zendesk/", {"ticket": {"status": "open"}}, "ticket.id"),
        ("/api/v1/tickets/intercom/", {"data": {}}, "data.item"),
        ("/api/v1/tickets/intercom/", {"data": {"item": {"id": "1", "state": "gone"}}}, "data.item.state"),
        ("/api/v1/tickets/freshdesk/", {"subject": "no id"}, "id"),
        ("/api/v1/tickets/freshdesk/", [1, 2], "body"),
    ],
)
def test_it_rejects_bad_payloads_and_stores_nothing(api, acme, url, body, field):
    response = api.post(url, body, format="json")
    assert response.status_code == 400, response.json()
    assert list(response.json()["errors"]) == [field]
    assert Ticket.objects.count() == 0


def test_it_drops_nul_characters_from_text_and_the_raw_payload(api, acme_domain):
    body = payload("zendesk_ticket.json")
    body["ticket"]["subject"] = "Broken\x00 export"
    body["ticket"]["custom_fields"] = [{"id": 1, "value": "a\x00b"}]
    assert api.post("/api/v1/tickets/zendesk/", body, format="json").status_code == 201
    t = Ticket.objects.get()
    assert t.subject == "Broken export"
    assert t.raw["ticket"]["custom_fields"] == [{"id": 1, "value": "ab"}]


def test_it_reports_a_ticket_repeated_in_a_batch_as_created_once(api, acme):
    batch = {"tickets": [{"external_id": "T-9", "account": "acme"}, {"external_id": "T-9", "account": "acme", "status": "pending"}]}
    response = api.post("/api/v1/tickets/", batch, format="json")
    assert response.status_code == 201
    assert [t["created"] for t in response.json()["tickets"]] == [True, False]
    assert [t["status"] for t in response.json()["tickets"]] == ["pending", "pending"]
    assert Ticket.objects.get().status == "pending"
