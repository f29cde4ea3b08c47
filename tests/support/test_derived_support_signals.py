from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from scoring.models import Observation, SignalDefinition
from tests.factories import SignalFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/tickets/"


def ticket(external_id, **over):
    return {"external_id": external_id, "account": "acme", "opened_at": "2026-11-10T12:00:00Z", **over}


def observed(account) -> dict[str, float]:
    rows = Observation.objects.filter(account=account, source="tickets").select_related("signal")
    return {o.signal.key: o.value for o in rows}


def test_it_derives_open_tickets_and_age_of_the_oldest_open_ticket(api, acme):
    with time_machine.travel(dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC), tick=False):
        body = {"tickets": [
            ticket("1"),  # open, 10 days old
            ticket("2", status="pending", opened_at="2026-11-15T12:00:00Z"),
            ticket("3", status="solved", opened_at="2026-10-01T00:00:00Z"),  # solved: not counted
        ]}  # fmt: skip
        api.post(URL, body, format="json")
    assert observed(acme) == {"open_tickets": 2.0, "ticket_age_days": 10.0}
    # Only signals that exist are written: the standard setup has no escalations/csat signal.
    assert not SignalDefinition.objects.filter(key__in=["escalations", "csat"]).exists()


def test_it_updates_the_days_observation_in_place_and_starts_a_new_one_next_day(api, acme):
    with time_machine.travel(dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC), tick=False):
        api.post(URL, {"tickets": [ticket("1"), ticket("2")]}, format="json")
    with time_machine.travel(dt.datetime(2026, 11, 20, 15, tzinfo=dt.UTC), tick=False):
        api.post(URL, {"tickets": [ticket("1", status="solved")]}, format="json")
    rows = Observation.objects.filter(account=acme, signal__key="open_tickets")
    assert [(o.value, o.observed_at.hour, o.idempotency_key) for o in rows] == [
        (1.0, 15, f"tickets|{acme.pk}|open_tickets|2026-11-20")
    ]
    with time_machine.travel(dt.datetime(2026, 11, 21, 9, tzinfo=dt.UTC), tick=False):
        api.post(URL, {"tickets": [ticket("2", status="closed")]}, format="json")
    values = list(
        Observation.objects.filter(account=acme, signal__key="open_tickets").order_by("observed_at").values_list("value", flat=True)
    )
    assert values == [1.0, 0.0]
    assert Observation.objects.get(account=acme, signal__key="ticket_age_days", observed_at__date=dt.date(2026, 11, 21)).value == 0.0


def test_it_derives_escalations_and_csat_when_those_signals_exist(api, acme):
    SignalFactory(key="escalations", category="support", direction="lower", bad_value=3, good_value=0)
    SignalFactory(key="csat", category="support", bad_value=50, good_value=95)
    with time_machine.travel(dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC), tick=False):
        body = {"tickets": [
            ticket("1", escalated=True, csat=100, updated_at="2026-11-19T00:00:00Z"),
            ticket("2", escalated=True, status="solved", csat=50, updated_at="2026-11-01T00:00:00Z"),
            ticket("3", escalated=True, status="closed", csat=0, updated_at="2026-10-01T00:00:00Z"),  # > 30 days ago
        ]}  # fmt: skip
        api.post(URL, body, format="json")
    assert observed(acme) == {"open_tickets": 1.0, "ticket_age_days": 10.0, "escalations": 2.0, "csat": 75.0}


def test_it_enqueues_a_recompute_of_the_ticket_accounts(api, acme, monkeypatch):
    calls = []
    monkeypatch.setattr("support.services.recompute_enqueue", lambda ids: calls.append(list(ids)))
    api.post(URL, {"tickets": [ticket("1")]}, format="json")
    assert calls == [[acme.pk]]


def test_it_writes_nothing_for_tickets_without_an_account(api, acme):
    api.post(URL, {"tickets": [{"external_id": "9", "requester_email": "x@nowhere.org"}]}, format="json")
    assert Observation.objects.count() == 0


def test_it_keeps_the_first_response_time_when_a_later_delivery_does_not_say(api, acme):
    from support.models import Ticket

    with time_machine.travel(dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC), tick=False):
        api.post(URL, {"tickets": [ticket("1", first_response_at="2026-11-10T15:30:00Z",
                                          updated_at="2026-11-10T15:30:00Z")]}, format="json")
        api.post(URL, {"tickets": [ticket("1", status="solved", updated_at="2026-11-12T09:00:00Z")]}, format="json")
    t = Ticket.objects.get(external_id="1")
    assert (t.status, t.first_response_at) == ("solved", dt.datetime(2026, 11, 10, 15, 30, tzinfo=dt.UTC))
