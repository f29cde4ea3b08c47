"""CSM sentiment (issue #15): a quick 1–5 on the account page — stored, audited, trended on the page,
and scored in the relationship category of the standard model."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from scoring.audit import AuditEvent
from scoring.derived import derived_signals_create
from scoring.models import AccountScore, Observation, SignalWeight
from tests.factories import observe

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)


@pytest.fixture
def sentiment(scoring_setup):
    signal = derived_signals_create()["csm_sentiment"]
    SignalWeight.objects.create(version=scoring_setup.version, signal=signal, weight=50)
    return signal


def _relationship(account) -> dict:
    components = AccountScore.objects.get(account=account).components
    return {s["key"]: s["sub_score"] for s in components["signals"] if s["category"] == "relationship"}


def test_a_csm_rates_the_account_and_the_score_follows(client, alice, alice_account, sentiment, scoring_setup):
    client.force_login(alice)
    url = reverse("accounts:sentiment", args=["acme"])
    with time_machine.travel(NOW - dt.timedelta(days=3), tick=False):
        observe(alice_account, scoring_setup.signals["nps"], 50, NOW - dt.timedelta(days=4))
        assert client.post(url, {"value": "4"}).status_code == 302
        assert _relationship(alice_account) == {"nps": 100.0, "csm_sentiment": 75.0}  # (4 − 1) / (5 − 1)
    with time_machine.travel(NOW, tick=False):
        client.post(url, {"value": "2"})
        client.post(url, {"value": "1"})  # the same day: replaces the 2
        assert _relationship(alice_account) == {"nps": 100.0, "csm_sentiment": 0.0}
        html = client.get(reverse("accounts:detail", args=["acme"])).content.decode()
    rows = Observation.objects.filter(account=alice_account, signal=sentiment).order_by("observed_at")
    assert [(o.value, o.source) for o in rows] == [(4.0, "csm"), (1.0, "csm")]
    # The trend on the page, newest first, with who rated.
    section = html[html.index('id="sentiment"'):]
    assert section.index("1 of 5</strong> About to leave") < section.index("4 of 5</strong> Happy")
    # Audited: two creations and one change (2 → 1), each by alice.
    events = AuditEvent.objects.filter(content_type__model="observation").order_by("pk")
    assert [(e.action, e.actor, (e.before or {}).get("value"), e.after["value"]) for e in events] == [
        ("create", alice, None, 4.0), ("create", alice, None, 2.0), ("update", alice, 2.0, 1.0)
    ]


def test_it_refuses_values_outside_one_to_five_and_users_who_cannot_act(client, alice, bob, alice_account, sentiment):
    client.force_login(alice)
    url = reverse("accounts:sentiment", args=["acme"])
    for bad in ("0", "6", "3.5", ""):
        client.post(url, {"value": bad})
    assert not Observation.objects.filter(signal=sentiment).exists()
    client.force_login(bob)  # another CSM's account
    assert client.post(url, {"value": "5"}).status_code in (403, 404)
    assert not Observation.objects.filter(signal=sentiment).exists()


def test_a_rating_stores_its_recompute_request_with_it(alice, alice_account, sentiment, monkeypatch):
    """The rating and its recompute are asked for in one transaction (a durable RecomputeRequest), so a
    failed in-request recompute is done by the worker, not lost (#11's one durable path)."""
    from scoring.derived import sentiment_record
    from scoring.models import RecomputeRequest

    monkeypatch.setattr("django_q.conf.Conf.SYNC", False)  # a worker would take it: the request waits
    monkeypatch.setattr("django_q.tasks.async_task", lambda *a, **k: None)
    with time_machine.travel(NOW, tick=False):
        sentiment_record(account=alice_account, actor=alice, value=2, now=NOW)
    (request,) = RecomputeRequest.objects.all()
    assert request.account_ids == [alice_account.pk]
