from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from accounts.models import Account, AccountDomain
from scoring.models import Segment
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

BODY = {
    "name": "Initech",
    "segment": "enterprise",
    "owner": "alice@example.com",
    "arr": "120000.50",
    "contract_type": "multi_year",
    "renewal_date": "2027-03-31",
    "lifecycle_stage": "mature",
    "status": "active",
    "domains": ["Initech.com", "initech.io"],
}


@pytest.fixture
def enterprise(db):
    return Segment.objects.create(name="Enterprise", slug="enterprise")


def test_it_creates_an_account_with_every_field(api, alice, enterprise):
    response = api.put("/api/v1/accounts/init-1", BODY, format="json")
    assert response.status_code == 201, response.json()
    account = Account.objects.get(external_id="init-1")
    assert (account.name, account.segment, account.owner) == ("Initech", enterprise, alice)
    assert account.arr == Decimal("120000.50")
    assert (account.contract_type, account.lifecycle_stage) == ("multi_year", "mature")
    assert account.renewal_date == dt.date(2027, 3, 31)
    assert sorted(account.domains.values_list("domain", flat=True)) == ["initech.com", "initech.io"]
    assert response.json()["domains"] == ["initech.com", "initech.io"]
    assert response.json()["owner"] == "alice"


def test_it_updates_only_the_fields_given_and_replaces_domains(api, alice, enterprise):
    api.put("/api/v1/accounts/init-1", BODY, format="json")
    response = api.put("/api/v1/accounts/init-1", {"arr": 90000, "domains": ["initech.io"]}, format="json")
    assert response.status_code == 200
    account = Account.objects.get(external_id="init-1")
    assert (account.name, account.arr, account.owner) == ("Initech", Decimal("90000.00"), alice)
    assert list(account.domains.values_list("domain", flat=True)) == ["initech.io"]


def test_it_is_idempotent_on_replay(api, alice, enterprise):
    api.put("/api/v1/accounts/init-1", BODY, format="json")
    assert api.put("/api/v1/accounts/init-1", BODY, format="json").status_code == 200
    assert Account.objects.filter(external_id="init-1").count() == 1
    assert AccountDomain.objects.count() == 2


@pytest.mark.parametrize(
    "body, field",
    [
        ({"segment": "nope"}, "segment"),
        ({"owner": "ghost"}, "owner"),
        ({"arr": -1}, "arr"),
        ({"contract_type": "weekly"}, "contract_type"),
        ({"renewal_date": "31/03/2027"}, "renewal_date"),
        ({"lifecycle_stage": "teen"}, "lifecycle_stage"),
        ({"status": "zombie"}, "status"),
        ({"domains": ["not a domain"]}, "domains"),
    ],
)
def test_it_rejects_each_bad_field(api, alice, enterprise, body, field):
    response = api.put("/api/v1/accounts/init-1", {**BODY, **body}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Account.objects.filter(external_id="init-1").exists()


def test_it_requires_a_name_to_create(api):
    response = api.put("/api/v1/accounts/new-1", {"arr": 5}, format="json")
    assert response.status_code == 400
    assert "name" in response.json()


def test_it_refuses_a_domain_of_another_account(api, alice, enterprise):
    other = AccountFactory(external_id="other")
    AccountDomain.objects.create(account=other, domain="initech.com")
    response = api.put("/api/v1/accounts/init-1", BODY, format="json")
    assert response.status_code == 400
    assert "initech.com" in response.json()["domains"][0]
