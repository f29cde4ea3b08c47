"""Bulk API: a list per request, all-or-nothing, the observations API's error format; the snapshot export."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache

from accounts.models import Account, Contact, Outcome
from scoring.history import history_rebuild
from scoring.models import AccountScore, Observation, Segment
from support.models import ApiToken
from tests.factories import AccountFactory


@pytest.fixture(autouse=True)
def _throttle(db):
    cache.clear()


@pytest.fixture
def api(client, scoring_setup):
    key = ApiToken.generate(name="ingest", scope_ingest=True, scope_read=True)[1]
    Segment.objects.create(name="SMB", slug="smb")

    def post(path, body):
        return client.post(f"/api/v1/{path}", body, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {key}")

    def get(path):
        return client.get(f"/api/v1/{path}", HTTP_AUTHORIZATION=f"Bearer {key}")

    post.get = get
    return post


def test_accounts_contacts_and_outcomes_as_lists(api, alice):
    accounts = [{"external_id": f"a-{i}", "name": f"A{i}", "segment": "SMB", "owner": "alice@example.com",
                 "domains": [f"https://www.a{i}.com"], "contract_start": "2025-01-01"} for i in range(3)]
    response = api("bulk/accounts/", {"items": accounts, "historical": True})
    assert response.status_code == 201, response.content
    assert response.json() == {"received": 3, "created": 3, "updated": 0, "duplicates": 0, "historical": True}
    assert Account.objects.filter(segment__slug="smb", owner=alice, contract_start=dt.date(2025, 1, 1)).count() == 3
    assert not AccountScore.objects.exists()  # historical: not rescored
    response = api("bulk/contacts/", {"items": [{"account": "a-0", "email": "x@a0.com"},
                                                {"account": "a-1", "email": "y@a1.com", "role": "champion"}]})
    assert response.status_code == 201 and Contact.objects.count() == 2
    response = api("bulk/outcomes/", {"items": [{"account": "a-0", "kind": "churned", "date": "2025-06-01"},
                                                {"account": "a-1", "kind": "renewed", "date": "2025-06-01"}],
                                      "historical": True})
    assert response.status_code == 201
    assert Account.objects.get(external_id="a-0").status == "churned"
    assert Outcome.objects.count() == 2


def test_one_bad_item_stores_nothing_and_is_named(api):
    items = [{"external_id": "ok", "name": "OK"}, {"external_id": "bad", "name": "Bad", "segment": "Enterprise"},
             {"name": "no id"}, {"external_id": "x", "name": "X", "colour": "blue"}]
    response = api("bulk/accounts/", {"items": items})
    assert response.status_code == 400
    assert response.json() == {"detail": "2 invalid item(s); nothing was stored.", "errors": [
        {"index": 2, "field": "external_id", "message": "is required"},
        {"index": 3, "field": "colour", "message": "unknown field (fields: external_id, name, segment, owner, arr, "
                                                  "contract_type, renewal_date, contract_start, lifecycle_stage, "
                                                  "status, domain)"}]}
    response = api("bulk/accounts/", {"items": items[:2]})
    assert response.json()["errors"] == [{"index": 1, "field": "segment",
                                          "message": "no segment with name or slug 'Enterprise'"}]
    assert not Account.objects.exists()
    response = api("bulk/outcomes/", {"items": {"account": "ok"}})
    assert response.status_code == 400 and response.json()["errors"][0]["index"] == -1


def test_historical_observations_and_the_snapshot_export(api):
    AccountFactory(external_id="acme")
    items = [{"account": "acme", "signal": "weekly_logins", "value": 20,
              "observed_at": f"2025-05-{d:02d}T10:00:00Z"} for d in range(1, 11)]
    response = api("bulk/observations/", {"items": items, "historical": True})
    assert response.status_code == 201 and response.json()["created"] == 10
    assert Observation.objects.count() == 10 and not AccountScore.objects.exists()
    history_rebuild(first_day=dt.date(2025, 5, 1), last_day=dt.date(2025, 5, 10))
    response = api.get("snapshots/?from=2025-05-09&to=2025-05-10")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0] == "account_external_id,date,score,tier"
    assert [line.split(",")[:2] for line in lines[1:]] == [["acme", "2025-05-09"], ["acme", "2025-05-10"]]
    assert api.get("snapshots/?from=2025-05-10&to=2025-05-01").status_code == 400
