"""#12 item 5: an API token reads accounts' health, not people's details (owner emails, flag notes)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from support.models import ApiToken
from tests.api.samples import COMPONENTS

pytestmark = pytest.mark.django_db

OVERRIDE = {"id": 7, "reason": "champion_left", "reason_label": "Champion left", "note": "Jane quit, call Bob at home",
            "effect": "cap", "value": 40}


@pytest.fixture
def flagged(acme, alice, scored):
    acme.owner = alice
    acme.save(update_fields=["owner"])
    scored(acme, components={**COMPONENTS, "override": OVERRIDE})
    return acme


def test_it_leaves_owner_email_and_flag_note_out_for_a_read_token(flagged, reader):
    body = reader.get("/api/v1/accounts/acme/health").json()
    assert body["owner"] == {"username": "alice", "name": "alice", "email": ""}
    assert body["override"] == {k: v for k, v in OVERRIDE.items() if k != "note"}


def test_it_leaves_them_out_for_an_unrestricted_ingest_token_too(flagged, db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {ApiToken.generate(name='i', scope_read=True, scope_ingest=True)[1]}")
    body = client.get("/api/v1/accounts/acme/health").json()
    assert body["owner"]["email"] == "" and "note" not in body["override"]


def test_it_shows_them_to_signed_in_people(flagged, client, manager):
    client.force_login(manager)
    body = client.get("/api/v1/accounts/acme/health").json()
    assert body["owner"]["email"] == "alice@example.com"
    assert body["override"]["note"] == "Jane quit, call Bob at home"
