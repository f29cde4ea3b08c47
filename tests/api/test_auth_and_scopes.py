from __future__ import annotations

import pytest
from django.utils import timezone

from support.models import ApiToken
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

OBS = "/api/v1/observations/"
BATCH = {"items": [{"account": "acme", "signal": "nps", "value": 1, "observed_at": "2026-01-01T00:00:00Z"}]}


def test_it_answers_401_without_a_token(anon, acme):
    response = anon.post(OBS, BATCH, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert anon.get("/api/v1/accounts/acme/health").status_code == 401


def test_it_answers_401_for_a_wrong_or_revoked_token(make_client, acme, ingest_key):
    assert make_client("hs_nope_nope").get("/api/v1/accounts/acme/health").status_code == 401
    ApiToken.objects.update(revoked_at=timezone.now())
    assert make_client(ingest_key).get("/api/v1/accounts/acme/health").status_code == 401


def test_it_answers_403_when_the_scope_is_missing(reader, make_client, acme):
    assert reader.post(OBS, BATCH, format="json").status_code == 403
    assert reader.put("/api/v1/accounts/acme", {"name": "X"}, format="json").status_code == 403
    assert reader.post("/api/v1/tickets/", {"tickets": []}, format="json").status_code == 403
    assert reader.post("/api/v1/outcomes/", {}, format="json").status_code == 403
    ingest_only = ApiToken.generate(name="w", scope_ingest=True, scope_read=False)[1]
    response = make_client(ingest_only).get("/api/v1/accounts/acme/health")
    assert response.status_code == 403
    assert "read" in response.json()["detail"]


def test_it_confines_an_account_restricted_token_to_its_account(make_client, acme):
    other = AccountFactory(external_id="globex")
    key = ApiToken.generate(name="acme only", scope_ingest=True, scope_read=True, account=acme)[1]
    client = make_client(key)
    assert client.get("/api/v1/accounts/acme/health").status_code == 200
    assert client.get(f"/api/v1/accounts/{other.external_id}/health").status_code == 403
    assert client.get(f"/api/v1/accounts/{other.external_id}/history").status_code == 403
    assert client.put("/api/v1/accounts/globex", {"name": "G"}, format="json").status_code == 403
    assert client.post("/api/v1/accounts/globex/contacts/", {"contacts": []}, format="json").status_code == 403
    outcome = {"account": "globex", "kind": "renewed", "date": "2026-01-01"}
    assert client.post("/api/v1/outcomes/", outcome, format="json").status_code == 403
    batch = {"items": [{**BATCH["items"][0], "account": "globex"}]}
    response = client.post(OBS, batch, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "account"


def test_it_lets_signed_in_people_read_by_role_and_only_ops_ingest(client, personas, acme):
    acme.owner = personas["alice"]
    acme.save()
    client.force_login(personas["alice"])
    assert client.get("/api/v1/accounts/acme/health").status_code == 200
    client.force_login(personas["bob"])  # a CSM, not the owner, not on the account's team
    assert client.get("/api/v1/accounts/acme/health").status_code == 404
    client.force_login(personas["nobody"])
    assert client.get("/api/v1/accounts/acme/health").status_code == 403
    client.force_login(personas["support"])
    assert client.get("/api/v1/accounts/acme/health").status_code == 200
    assert client.post(OBS, BATCH, content_type="application/json").status_code == 403
    client.force_login(personas["ops"])
    assert client.post(OBS, BATCH, content_type="application/json").status_code == 201


def test_it_throttles_per_token(settings, make_client, acme):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"token": "3/min"}}
    first = make_client(ApiToken.generate(name="a", scope_read=True)[1])
    second = make_client(ApiToken.generate(name="b", scope_read=True)[1])
    codes = [first.get("/api/v1/accounts/acme/health").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert second.get("/api/v1/accounts/acme/health").status_code == 200
