from __future__ import annotations

import pytest

from support.models import Ticket
from tests.integrations.conftest import basic_headers, fixture, score_of, support_values

pytestmark = pytest.mark.django_db


@pytest.fixture
def freshdesk(make_integration):
    return make_integration("freshdesk", secret="s3cret-pass", basic_username="healthscore-fd")


def test_it_stores_a_basic_authenticated_delivery_matched_by_requester_email(world, freshdesk, deliver):
    before = score_of(world)
    body, _ = fixture("freshdesk_automation.json")
    response = deliver(freshdesk, body, basic_headers("healthscore-fd", "s3cret-pass"))
    assert response.status_code == 201, response.json()
    ticket = Ticket.objects.get()
    assert (ticket.external_id, ticket.account, ticket.requester_email) == ("5012", world, "dana@acme.com")
    assert (ticket.status, ticket.priority, ticket.escalated) == ("open", "urgent", True)
    assert support_values(world)["open_tickets"] == 1.0
    assert score_of(world) < before


def test_a_follow_up_without_tags_keeps_escalated(world, freshdesk, deliver):
    auth = basic_headers("healthscore-fd", "s3cret-pass")
    deliver(freshdesk, fixture("freshdesk_automation.json")[0], auth)
    response = deliver(freshdesk, fixture("freshdesk_followup_untagged.json")[0], auth)
    assert response.status_code == 200, response.json()
    ticket = Ticket.objects.get()
    assert (ticket.status, ticket.escalated) == ("pending", True)


@pytest.mark.parametrize(("user", "password"), [("healthscore-fd", "wrong"), ("someone", "s3cret-pass")])
def test_it_refuses_wrong_basic_credentials(world, freshdesk, deliver, user, password):
    response = deliver(freshdesk, fixture("freshdesk_automation.json")[0], basic_headers(user, password))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")
    assert not Ticket.objects.exists()


def test_a_replayed_older_delivery_changes_nothing(world, freshdesk, deliver):
    auth = basic_headers("healthscore-fd", "s3cret-pass")
    deliver(freshdesk, fixture("freshdesk_followup_untagged.json")[0], auth)  # 11:59, pending
    response = deliver(freshdesk, fixture("freshdesk_automation.json")[0], auth)  # 11:58, open, late
    assert response.json()["tickets"][0]["stale"] is True
    assert Ticket.objects.get().status == "pending"
