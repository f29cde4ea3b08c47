from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from scoring.models import ScoreModelVersion, ScoreSnapshot

pytestmark = pytest.mark.django_db


def test_it_answers_score_tier_trend_reasons_components_freshness_and_owner(reader, acme, alice, scored):
    acme.owner = alice
    acme.save()
    scored(acme)
    response = reader.get("/api/v1/accounts/acme/health")
    assert response.status_code == 200
    body = response.json()
    assert body["account"] == {"external_id": "acme", "name": "Acme Inc"}
    assert (body["has_score"], body["score"], body["tier"], body["trend"]) == (True, 43.2, "red", "gradual_decline")
    assert body["deltas"] == {"d7": -3.0, "d30": -12.5, "d90": None}
    assert body["top_reasons"][0] == "Logins per week low (4.2 logins): −13.9"
    assert [c["key"] for c in body["components"]] == ["weekly_logins", "open_tickets", "nps"]
    assert body["components"][0]["points_lost"] == 13.87
    assert body["freshness"] == {
        "computed_at": "2026-11-20T06:00:00Z",
        "newest_observation_at": "2026-11-19T00:00:00+00:00",
        "stale_signals": ["open_tickets"],
        "missing_signals": ["nps"],
    }
    # An API token reads the account's health, not people's details (#12): no owner email.
    assert body["owner"] == {"username": "alice", "name": "alice", "email": ""}
    assert body["model_version"] == 1


def test_it_answers_no_score_yet_for_an_unscored_account(reader, acme):
    body = reader.get("/api/v1/accounts/acme/health").json()
    assert (body["has_score"], body["score"], body["tier"], body["owner"]) == (False, None, None, None)


def test_it_answers_404_for_an_unknown_account(reader, acme):
    assert reader.get("/api/v1/accounts/nope/health").status_code == 404
    assert reader.get("/api/v1/accounts/nope/history").status_code == 404


def test_it_answers_the_history_of_the_last_n_days(reader, acme):
    version = ScoreModelVersion.objects.get(status="published")
    for day, score, tier in [(1, 80, "green"), (10, 70, "yellow"), (19, 55, "yellow"), (20, 45, "red")]:
        ScoreSnapshot.objects.create(
            account=acme, date=dt.date(2026, 11, day), score=score, raw_tier=tier, tier=tier, model_version=version
        )
    with time_machine.travel(dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC), tick=False):
        response = reader.get("/api/v1/accounts/acme/history?days=11")
        default = reader.get("/api/v1/accounts/acme/history")
    assert response.status_code == 200
    assert [(p["date"], p["score"], p["tier"]) for p in response.json()["points"]] == [
        ("2026-11-10", 70.0, "yellow"),
        ("2026-11-19", 55.0, "yellow"),
        ("2026-11-20", 45.0, "red"),
    ]
    assert response.json()["days"] == 11
    assert len(default.json()["points"]) == 4


@pytest.mark.parametrize("days", ["0", "731", "ten"])
def test_it_rejects_a_bad_days_parameter(reader, acme, days):
    response = reader.get(f"/api/v1/accounts/acme/history?days={days}")
    assert response.status_code == 400
    assert "days" in response.json()
