from __future__ import annotations

import pytest

from scoring.models import Observation
from tests.api.samples import OBSERVATIONS_URL as URL
from tests.api.samples import observation_item as item

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def errors_of(response) -> list[tuple[int, str]]:
    assert response.status_code == 400, response.content
    return [(e["index"], e["field"]) for e in response.json()["errors"]]


def test_it_lists_every_bad_item_by_index_and_field_and_stores_nothing(api, acme):
    batch = {
        "items": [
            item(),  # good: must not be stored either
            item(account="nope"),
            item(signal="no_such_signal"),
            item(value="twelve"),
            item(value="NaN"),
            item(value="Infinity"),
            item(observed_at="2026-11-20T12:06:00Z"),
            item(observed_at="yesterday"),
            item(account="nope", value=None),
        ]
    }
    response = api.post(URL, batch, format="json")
    assert errors_of(response) == [
        (1, "account"),
        (2, "signal"),
        (3, "value"),
        (4, "value"),
        (5, "value"),
        (6, "observed_at"),
        (7, "observed_at"),
        (8, "account"),
        (8, "value"),
    ]
    assert "nothing was stored" in response.json()["detail"]
    assert Observation.objects.count() == 0


def test_it_names_the_reason_for_each_error(api, acme):
    response = api.post(URL, {"items": [item(account="nope"), item(observed_at="2026-11-21T00:00:00Z")]}, format="json")
    messages = [e["message"] for e in response.json()["errors"]]
    assert messages == ["unknown account 'nope'", "is in the future (more than 5 minutes ahead)"]


def test_it_rejects_more_than_5000_items(api, acme):
    response = api.post(URL, {"items": [item()] * 5001}, format="json")
    assert errors_of(response) == [(-1, "items")]
    assert "at most 5000" in response.json()["errors"][0]["message"]
    assert Observation.objects.count() == 0


def test_it_rejects_an_empty_or_missing_batch(api, acme):
    assert errors_of(api.post(URL, {"items": []}, format="json")) == [(-1, "items")]
    assert errors_of(api.post(URL, {}, format="json")) == [(-1, "items")]
    assert errors_of(api.post(URL, [item()], format="json")) == [(-1, "items")]


def test_it_rejects_booleans_objects_and_missing_fields(api, acme):
    response = api.post(
        URL, {"items": [item(value=True), "not an object", {"value": 1, "observed_at": "2026-11-20"}]}, format="json"
    )
    assert errors_of(response) == [(0, "value"), (1, "item"), (2, "account"), (2, "signal")]


def test_it_rejects_an_inactive_signal(api, acme, scoring_setup):
    scoring_setup.signals["nps"].active = False
    scoring_setup.signals["nps"].save()
    assert errors_of(api.post(URL, {"items": [item(signal="nps")]}, format="json")) == [(0, "signal")]


def test_it_rejects_a_bad_client_key(api, acme):
    assert errors_of(api.post(URL, {"items": [item(key="x" * 256)]}, format="json")) == [(0, "key")]


def test_it_answers_400_not_500_for_nul_characters(api, acme):
    # Found by schemathesis on PostgreSQL, whose text columns cannot hold NUL.
    response = api.post(URL, {"items": [item(account="ac\x00me", key="k\x00", source="s\x00")]}, format="json")
    assert errors_of(response) == [(0, "account"), (0, "source"), (0, "key")]
