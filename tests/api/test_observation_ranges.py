"""The API refuses implausible values (issue #11 item 3): outside the signal's range, or ±1e12."""

from __future__ import annotations

import pytest

from scoring.aggregation import VALUE_LIMIT
from scoring.models import Observation, SignalDefinition
from tests.api.samples import OBSERVATIONS_URL, observation_item

POISON = [1e30, -1e30, 1.7e308]


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen_now")
@pytest.mark.parametrize("value", POISON)
def test_the_api_refuses_an_implausible_value_naming_item_and_field(api, acme, value):
    batch = {"items": [observation_item(value=12), observation_item(signal="nps", value=value)]}
    response = api.post(OBSERVATIONS_URL, batch, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(e["index"], e["field"]) for e in errors] == [(1, "value")]
    assert errors[0]["message"] == f"must be between -100 and 100 for signal 'nps' (its plausible range), got {value:g}"
    assert Observation.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen_now")
def test_the_api_refuses_beyond_the_global_bound_for_a_signal_without_a_range(api, acme):
    SignalDefinition.objects.create(key="api_calls", label="API calls", category="usage", bad_value=0,
                                    good_value=1000)
    ok = observation_item(signal="api_calls", value=VALUE_LIMIT)  # on the bound: plausible enough
    response = api.post(OBSERVATIONS_URL, {"items": [ok, observation_item(signal="api_calls", value=-1e30, key="k")]},
                        format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"index": 1, "field": "value", "message": "must be between -1e+12 and 1e+12, got -1e+30"}]
    response = api.post(OBSERVATIONS_URL, {"items": [ok]}, format="json")
    assert response.status_code in (200, 201), response.content
    assert Observation.objects.get().value == VALUE_LIMIT
