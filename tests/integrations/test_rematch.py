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


def test_a_bulk_import_matches_the_unmatched_tickets_its_domains_and_contacts_fit(scoring_setup, freshdesk, deliver, client):
    from support.models import ApiToken

    by_domain = _unmatched(freshdesk, deliver, "ops@globex.example")
    body = fixture("freshdesk_automation.json")[0].replace(b"dana@acme.com", b"zoe@gmail.example").replace(b"5012", b"5013")
    deliver(freshdesk, body, basic_headers("u", "pw"))
    by_contact = Ticket.objects.get(external_id="5013")
    key = ApiToken.generate(name="ingest", scope_ingest=True, scope_read=True)[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    response = client.post("/api/v1/bulk/accounts/", {"items": [
        {"external_id": "globex", "name": "Globex", "domains": ["globex.example"]},
        {"external_id": "initech", "name": "Initech"}]}, content_type="application/json", **auth)  # fmt: skip
    assert response.status_code == 201, response.content
    response = client.post("/api/v1/bulk/contacts/", {"items": [{"account": "initech", "email": "zoe@gmail.example"}]},
                           content_type="application/json", **auth)  # fmt: skip
    assert response.status_code == 201, response.content
    by_domain.refresh_from_db()
    by_contact.refresh_from_db()
    assert (by_domain.account.external_id, by_contact.account.external_id) == ("globex", "initech")
