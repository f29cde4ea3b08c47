from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from scoring.ingest import client_key_scoped
from scoring.models import Observation
from tests.api.samples import OBSERVATIONS_URL as URL
from tests.api.samples import observation_item as item
from tests.factories import AccountFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def test_it_stores_a_batch_and_reports_every_item_new(api, acme):
    batch = {"items": [item(), item(signal="nps", value=30), item(observed_at="2026-11-19T00:00:00Z", value=9.5)]}
    response = api.post(URL, batch, format="json")
    assert response.status_code == 201, response.json()
    assert response.json() == {
        "received": 3, "created": 3, "duplicates": 0, "created_indexes": [0, 1, 2], "duplicate_indexes": [],
    }  # fmt: skip
    stored = {(o.signal.key, o.observed_at, o.value, o.source) for o in Observation.objects.select_related("signal")}
    assert stored == {
        ("weekly_logins", dt.datetime(2026, 11, 20, tzinfo=dt.UTC), 12.0, "api"),
        ("nps", dt.datetime(2026, 11, 20, tzinfo=dt.UTC), 30.0, "api"),
        ("weekly_logins", dt.datetime(2026, 11, 19, tzinfo=dt.UTC), 9.5, "api"),
    }


def test_it_stores_nothing_twice_on_replay_and_says_which_items_were_new(api, acme):
    first = {"items": [item(), item(signal="nps", value=30)]}
    assert api.post(URL, first, format="json").status_code == 201
    replay = {"items": [item(), item(signal="nps", value=30), item(signal="payment_health", value=80)]}
    response = api.post(URL, replay, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["created"], body["duplicates"]) == (1, 2)
    assert body["created_indexes"] == [2]
    assert body["duplicate_indexes"] == [0, 1]
    assert Observation.objects.count() == 3
    again = api.post(URL, replay, format="json")
    assert again.status_code == 200
    assert again.json()["duplicate_indexes"] == [0, 1, 2]
    assert Observation.objects.count() == 3


def test_it_treats_the_same_instant_in_another_offset_as_a_duplicate(api, acme):
    api.post(URL, {"items": [item(observed_at="2026-11-20T00:00:00Z")]}, format="json")
    response = api.post(URL, {"items": [item(observed_at="2026-11-20T01:00:00+01:00")]}, format="json")
    assert response.json()["duplicates"] == 1
    assert Observation.objects.count() == 1


def test_it_uses_the_client_key_for_idempotency(api, acme):
    api.post(URL, {"items": [item(key="evt-1")]}, format="json")
    # Same key, different timestamp: still the same event for the client.
    response = api.post(URL, {"items": [item(key="evt-1", observed_at="2026-11-18T00:00:00Z")]}, format="json")
    assert response.json()["duplicate_indexes"] == [0]
    # Stored scoped to the account (#12), so no other account's key can collide with it.
    assert list(Observation.objects.values_list("idempotency_key", flat=True)) == [
        client_key_scoped(account_id=acme.pk, client_key="evt-1")
    ]


def test_it_counts_a_repeat_inside_one_batch_as_a_duplicate(api, acme):
    response = api.post(URL, {"items": [item(), item()]}, format="json")
    assert response.json()["created_indexes"] == [0]
    assert response.json()["duplicate_indexes"] == [1]
    assert Observation.objects.count() == 1


def test_it_enqueues_one_recompute_of_the_touched_accounts(api, acme, monkeypatch):
    other = AccountFactory(external_id="globex")
    calls = []
    monkeypatch.setattr("scoring.ingest.recompute_enqueue", lambda ids: calls.append(sorted(ids)))
    api.post(URL, {"items": [item(), item(account="globex"), item(signal="nps")]}, format="json")
    assert calls == [sorted([acme.pk, other.pk])]


def test_it_accepts_the_future_within_five_minutes(api, acme):
    response = api.post(URL, {"items": [item(observed_at="2026-11-20T12:04:59Z")]}, format="json")
    assert response.status_code == 201


def test_it_accepts_a_naive_timestamp_as_site_time(api, acme):
    response = api.post(URL, {"items": [item(observed_at="2026-11-20T08:00:00")]}, format="json")
    assert response.status_code == 201
    assert Observation.objects.get().observed_at == timezone.make_aware(dt.datetime(2026, 11, 20, 8))
