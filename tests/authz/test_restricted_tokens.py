"""#12 item 2: an account-restricted token affects its own account only — the issue's reproductions.

ACME-1000 (team East) holds a restricted ingest+read token; ACME-1005 belongs to another team.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import AccountDomain, Contact, Team
from scoring.models import Observation
from support.models import ApiToken, Ticket
from tests.factories import AccountFactory

OBS = "/api/v1/observations/"
AT = "2026-12-01T06:00:00+00:00"
NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen_and_unthrottled(db):
    cache.clear()
    with time_machine.travel(NOW, tick=False):
        yield


def _client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def world(scoring_setup, team):
    west = Team.objects.create(name="West")
    carol = User.objects.create_user("carol", "carol@example.com", "pw")
    west.members.add(carol)
    mine = AccountFactory(external_id="ACME-1000", name="Acme 1000", team=team)
    other = AccountFactory(external_id="ACME-1005", name="Acme 1005", team=west, owner=carol)
    AccountDomain.objects.create(account=other, domain="initech.com")
    Contact.objects.create(account=other, name="Jane", email="jane@gmail.com")
    restricted = _client(ApiToken.generate(name="acme", scope_ingest=True, scope_read=True, account=mine)[1])
    full = _client(ApiToken.generate(name="all", scope_ingest=True, scope_read=True)[1])
    return {"mine": mine, "other": other, "restricted": restricted, "full": full, "carol": carol,
            "signals": scoring_setup.signals}


def test_it_refuses_to_move_another_accounts_ticket(world):
    world["full"].post("/api/v1/tickets/", {"tickets": [{"external_id": "5-0", "account": "ACME-1005"}]}, format="json")
    response = world["restricted"].post(
        "/api/v1/tickets/", {"tickets": [{"external_id": "5-0", "account": "ACME-1000"}]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"external_id": "this token may only write tickets of its own account"}
    assert Ticket.objects.get(external_id="5-0").account == world["other"]


def test_it_still_lets_a_restricted_token_create_and_update_its_own_tickets(world):
    for status in ("open", "solved"):
        response = world["restricted"].post(
            "/api/v1/tickets/", {"tickets": [{"external_id": "1-0", "account": "ACME-1000", "status": status}]},
            format="json",
        )
        assert response.status_code in (200, 201)
    assert Ticket.objects.get(external_id="1-0").status == "solved"


def test_it_keeps_another_accounts_default_key_from_being_pre_claimed(world):
    other, logins = world["other"], world["signals"]["weekly_logins"]
    predicted = f"{other.pk}|{logins.pk}|{AT}|api"  # the predictable default key
    claim = {"account": "ACME-1000", "signal": "weekly_logins", "value": 1, "observed_at": AT, "key": predicted}
    assert world["restricted"].post(OBS, {"items": [claim]}, format="json").status_code == 201
    real = {"account": "ACME-1005", "signal": "weekly_logins", "value": 42, "observed_at": AT}
    response = world["full"].post(OBS, {"items": [real]}, format="json")
    assert (response.status_code, response.json()["created"]) == (201, 1)
    assert Observation.objects.get(account=other, signal=logins).value == 42


def test_it_keeps_a_support_key_from_landing_on_another_accounts_row(world):
    mine, other, logins = world["mine"], world["other"], world["signals"]["weekly_logins"]
    day = timezone.localdate(NOW).isoformat()
    claim = {"account": "ACME-1000", "signal": "weekly_logins", "value": 3, "observed_at": AT,
             "key": f"tickets|{other.pk}|open_tickets|{day}"}
    assert world["restricted"].post(OBS, {"items": [claim]}, format="json").status_code == 201
    world["full"].post("/api/v1/tickets/", {"tickets": [{"external_id": "9", "account": "ACME-1005"}]}, format="json")
    assert Observation.objects.get(account=mine, signal=logins).value == 3  # its own row untouched
    assert Observation.objects.get(account=other, signal=world["signals"]["open_tickets"]).value == 1


def test_it_scopes_client_keys_per_account_so_the_answer_reveals_nothing_of_others(world):
    first = {"account": "ACME-1005", "signal": "nps", "value": 10, "observed_at": AT, "key": "survey-1"}
    assert world["full"].post(OBS, {"items": [first]}, format="json").json()["created"] == 1
    probe = {**first, "account": "ACME-1000"}
    body = world["restricted"].post(OBS, {"items": [probe]}, format="json").json()
    assert (body["created"], body["duplicates"]) == (1, 0)  # not "duplicate": ACME-1005's key is not its business
    assert world["restricted"].post(OBS, {"items": [probe]}, format="json").json()["duplicates"] == 1


@pytest.mark.parametrize("email", ["boss@initech.com", "jane@gmail.com"])
def test_it_refuses_a_contact_that_belongs_to_another_account(world, email):
    response = world["restricted"].post(
        "/api/v1/accounts/ACME-1000/contacts/", {"contacts": [{"name": "X", "email": email}]}, format="json"
    )
    assert response.status_code == 400 and email in response.json()["contacts"][0]
    assert not Contact.objects.filter(account=world["mine"]).exists()


@pytest.mark.parametrize("domain", ["gmail.com", "outlook.com", "yahoo.com", "initech.com"])
def test_it_refuses_a_public_mail_domain_or_another_accounts_domain(world, domain):
    response = world["restricted"].put("/api/v1/accounts/ACME-1000", {"domains": [domain]}, format="json")
    assert response.status_code == 400 and domain in response.json()["domains"][0]
    assert not AccountDomain.objects.filter(account=world["mine"]).exists()


def test_it_accepts_the_accounts_own_domain(world):
    response = world["restricted"].put("/api/v1/accounts/ACME-1000", {"domains": ["acme.example"]}, format="json")
    assert response.status_code == 200 and response.json()["domains"] == ["acme.example"]


@pytest.mark.parametrize("owner", ["carol", "ops"])
def test_it_refuses_an_owner_outside_the_accounts_team(world, ops, owner):
    response = world["restricted"].put("/api/v1/accounts/ACME-1000", {"owner": owner}, format="json")
    assert response.status_code == 400 and "team" in response.json()["owner"][0]
    world["mine"].refresh_from_db()
    assert world["mine"].owner is None


def test_it_sets_an_owner_from_the_accounts_team(world, alice):
    response = world["restricted"].put("/api/v1/accounts/ACME-1000", {"owner": "alice"}, format="json")
    assert (response.status_code, response.json()["owner"]) == (200, "alice")


def test_it_lets_a_restricted_read_token_learn_nothing_of_other_accounts(world):
    reader = _client(ApiToken.generate(name="r", scope_read=True, account=world["mine"])[1])
    # Existing or not, another account's id answers the same refusal.
    assert reader.get("/badge/ACME-1005?format=json").status_code == 403
    assert reader.get("/badge/NOPE-1?format=json").status_code == 403
    assert reader.get("/api/v1/accounts/ACME-1005/health").status_code == 403
    assert reader.get("/api/v1/accounts/NOPE-1/health").status_code == 403
    # By email: another account's person reads like an unknown one (no owner, no name).
    known = reader.get("/badge/?email=boss@initech.com&format=json")
    unknown = reader.get("/badge/?email=who@nowhere.example&format=json")
    assert known.status_code == unknown.status_code == 200
    assert known.json() == unknown.json()


def test_it_applies_the_same_guards_to_the_bulk_api(world, alice):
    post = world["restricted"].post
    gmail = post("/api/v1/bulk/accounts/", {"items": [{"external_id": "ACME-1000", "domain": "gmail.com"}]}, format="json")
    assert gmail.status_code == 400 and gmail.json()["errors"][0]["field"] == "domain"
    owner = post("/api/v1/bulk/accounts/", {"items": [{"external_id": "ACME-1000", "owner": "carol@example.com"}]},
                 format="json")
    assert owner.status_code == 400 and owner.json()["errors"][0]["field"] == "owner"
    contact = post("/api/v1/bulk/contacts/", {"items": [{"account": "ACME-1000", "email": "boss@initech.com"}]},
                   format="json")
    assert contact.status_code == 400 and contact.json()["errors"][0]["field"] == "email"
    assert not AccountDomain.objects.filter(account=world["mine"]).exists()
    assert not Contact.objects.filter(account=world["mine"]).exists()
    assert post("/api/v1/bulk/accounts/", {"items": [{"external_id": "ACME-1000", "owner": "alice@example.com"}]},
                format="json").status_code in (200, 201)
