"""Parallel upserts of one account, its domains and its contacts: one row each, no 500, and every
answer true (one 201 "created", the others 200 "updated"; a domain two accounts claim at once goes
to one of them, the other hears 400 naming it)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import Account, AccountDomain, Contact
from support.models import ApiToken
from tests._parallel import run_parallel
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def key(needs_postgresql, scoring_setup) -> str:
    return ApiToken.generate(name="ingest", scope_ingest=True, scope_read=True)[1]


def _client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def test_it_creates_an_account_once_when_ten_requests_race(key):
    body = {"name": "Initech", "domains": ["initech.com", "initech.io"]}
    responses = run_parallel(10, lambda i: _client(key).put("/api/v1/accounts/init-1", body, format="json"))
    assert not [r for r in responses if isinstance(r, BaseException)], responses
    assert sorted(r.status_code for r in responses) == [200] * 9 + [201], [r.content for r in responses]
    assert Account.objects.filter(external_id="init-1").count() == 1
    assert sorted(AccountDomain.objects.values_list("domain", flat=True)) == ["initech.com", "initech.io"]


def test_it_gives_a_domain_claimed_by_two_accounts_at_once_to_one_of_them(key):
    for n in range(10):
        AccountFactory(external_id=f"a{n}", name=f"A{n}")
    responses = run_parallel(10, lambda i: _client(key).put(f"/api/v1/accounts/a{i}", {"domains": ["shared.com"]},
                                                            format="json"))
    assert not [r for r in responses if isinstance(r, BaseException)], responses
    assert sorted(r.status_code for r in responses) == [200] + [400] * 9, [r.content for r in responses]
    for response in responses:
        if response.status_code == 400:
            assert "already used by another account: shared.com" in response.content.decode()
    owner = AccountDomain.objects.get(domain="shared.com").account
    winner = next(i for i, r in enumerate(responses) if r.status_code == 200)
    assert owner.external_id == f"a{winner}"


def test_it_stores_each_contact_once_when_ten_upserts_race(key):
    AccountFactory(external_id="acme", name="Acme")
    body = {"contacts": [{"name": "Dana Scully", "email": "dana@acme.com", "role": "champion"},
                         {"name": "Walter Skinner", "role": "executive_sponsor"}]}
    responses = run_parallel(10, lambda i: _client(key).post("/api/v1/accounts/acme/contacts/", body, format="json"))
    assert not [r for r in responses if isinstance(r, BaseException)], responses
    assert [r.status_code for r in responses] == [200] * 10, [r.content for r in responses]
    counts = sorted((r.json()["created"], r.json()["updated"]) for r in responses)
    assert counts == [(0, 2)] * 9 + [(2, 0)], counts
    assert sorted(Contact.objects.values_list("name", flat=True)) == ["Dana Scully", "Walter Skinner"]
