from __future__ import annotations

import pytest

from accounts.services import account_upsert, contacts_upsert
from support.models import Ticket
from tests.factories import AccountFactory
from tests.integrations.conftest import basic_headers, fixture, support_values

pytestmark = pytest.mark.django_db


@pytest.fixture
def freshdesk(make_integration):
    return make_integration("freshdesk", secret="pw", basic_username="u")


def _unmatched(freshdesk, deliver, email: str) -> Ticket:
    body = fixture("freshdesk_automation.json")[0].replace(b"dana@acme.com", email.encode())
    assert deliver(freshdesk, body, basic_headers("u", "pw")).status_code == 201
    ticket = Ticket.objects.get()
    assert ticket.account is None
    return ticket


def test_an_unmatched_ticket_is_matched_when_its_domain_is_added(scoring_setup, freshdesk, deliver, django_capture_on_commit_callbacks):
    ticket = _unmatched(freshdesk, deliver, "ops@globex.example")
    globex = AccountFactory(external_id="globex", name="Globex")
    with django_capture_on_commit_callbacks(execute=True):
        account_upsert(external_id="globex", data={"domains": ["globex.example"]})
    ticket.refresh_from_db()
    assert ticket.account == globex
    assert support_values(globex)["open_tickets"] == 1.0


def test_an_unmatched_ticket_is_matched_when_a_contact_with_its_email_is_added(scoring_setup, freshdesk, deliver):
    ticket = _unmatched(freshdesk, deliver, "zoe.müller1@gmail.example")
    initech = AccountFactory(external_id="initech", name="Initech")
    contacts_upsert(account=initech, contacts=[{"name": "Zoe Müller", "email": "Zoe.Müller1@gmail.example"}])
    ticket.refresh_from_db()
    assert ticket.account == initech


def test_a_domain_that_does_not_fit_matches_nothing(scoring_setup, freshdesk, deliver):
    ticket = _unmatched(freshdesk, deliver, "ops@globex.example")
    AccountFactory(external_id="other", name="Other")
    account_upsert(external_id="other", data={"domains": ["lobex.example"]})
    ticket.refresh_from_db()
    assert ticket.account is None
