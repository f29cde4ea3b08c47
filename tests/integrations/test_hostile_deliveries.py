"""Hostile or odd deliveries to an integration's webhook answer a 4xx naming the field, never a 500,
and store nothing (#12 item 4 on the #13 endpoints)."""

from __future__ import annotations

import json

import pytest

from support.models import ApiToken, Ticket
from tests.factories import AccountFactory
from tests.integrations.conftest import basic_headers, fixture

pytestmark = pytest.mark.django_db
AUTH = ("healthscore-fd", "s3cret-pass")


@pytest.fixture
def freshdesk(make_integration):
    return make_integration("freshdesk", secret=AUTH[1], basic_username=AUTH[0])


def _documented(**changes) -> bytes:
    """Freshdesk's documented automation body (fixtures/freshdesk_automation.json) with fields changed."""
    body = json.loads(fixture("freshdesk_automation.json")[0])
    body.update(changes)
    return json.dumps(body).encode()


def test_json_nested_beyond_the_decoder_is_a_400(world, freshdesk, deliver):
    body = b"[" * 100_000 + b"]" * 100_000  # json.loads itself raises RecursionError
    response = deliver(freshdesk, body, basic_headers(*AUTH))
    assert response.status_code == 400 and "body" in response.json()["errors"], response.content
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("code", ["²", "9" * 5000])
def test_numeric_looking_status_and_priority_are_read_as_names(world, freshdesk, deliver, code):
    response = deliver(freshdesk, _documented(status=code, priority=code), basic_headers(*AUTH))
    assert response.status_code == 201, response.content
    assert Ticket.objects.get().status == "open"  # an unknown name is open work


def test_a_restricted_token_cannot_take_over_another_accounts_ticket_through_the_webhook(
    world, freshdesk, deliver
):
    assert deliver(freshdesk, _documented(), basic_headers(*AUTH)).status_code == 201  # Acme's ticket
    other = AccountFactory(external_id="other")
    _, key = ApiToken.generate(name="other's", scope_ingest=True, account=other)
    response = deliver(freshdesk, _documented(status="Closed", updated_at="2026-11-21T09:00:00Z"),
                       {"Authorization": f"Bearer {key}"})
    assert response.status_code == 400 and "external_id" in response.json()["errors"], response.content
    ticket = Ticket.objects.get()
    assert (ticket.account, ticket.status) == (world, "open")
