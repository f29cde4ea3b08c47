"""Relationship and support signals derived from contacts and tickets (scoring.derived)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Contact
from scoring.derived import derived_refresh, derived_signals_create
from scoring.models import Observation
from support.models import Ticket
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def _values(account) -> dict[str, float]:
    return dict(Observation.objects.filter(account=account, source="derived").values_list("signal__key", "value"))


def _contact(account, name, role="user", since=None, left=None):
    return Contact.objects.create(account=account, name=name, role=role, in_role_since=since, left_at=left)


def test_a_champion_leaving_with_no_successor_within_14_days_drops_champion_coverage():
    derived_signals_create()
    now = timezone.now()
    today = timezone.localdate(now)
    gone, replaced, recent, none = (AccountFactory(name=n) for n in ("gone", "replaced", "recent", "no contacts"))
    _contact(gone, "Ann", "champion", left=today - dt.timedelta(days=20))
    _contact(gone, "Bob")
    _contact(replaced, "Cy", "champion", left=today - dt.timedelta(days=20))
    _contact(replaced, "Di", "champion", since=today - dt.timedelta(days=10))
    _contact(replaced, "Ed", "executive_sponsor")
    _contact(recent, "Fay", "champion", left=today - dt.timedelta(days=3))  # grace period still running

    derived_refresh(account_ids=[gone.pk, replaced.pk, recent.pk, none.pk], now=now)

    assert _values(gone) == {"champion_coverage": 0.0, "engaged_contacts": 1.0}
    assert _values(replaced) == {"champion_coverage": 1.0, "engaged_contacts": 2.0}
    assert _values(recent)["champion_coverage"] == 1.0
    assert _values(none) == {}  # no contacts: no value (the signal is excluded, not zero)


def test_ticket_resolution_escalations_and_csat_trend_over_90_days():
    derived_signals_create()
    now = timezone.now()
    account = AccountFactory()

    def ticket(n, opened_days_ago, solved_after=None, escalated=False, csat=None):
        opened = now - dt.timedelta(days=opened_days_ago)
        solved = opened + dt.timedelta(days=solved_after) if solved_after is not None else None
        Ticket.objects.create(account=account, external_id=str(n), opened_at=opened, updated_at=solved or opened,
                              solved_at=solved, status="solved" if solved else "open", escalated=escalated, csat=csat)

    ticket(1, 30, solved_after=2, csat=60)
    ticket(2, 20, solved_after=4, escalated=True, csat=70)
    ticket(3, 10, escalated=True)
    ticket(4, 150, solved_after=1, escalated=True, csat=90)  # the 90 days before: CSAT baseline only

    derived_refresh(account_ids=[account.pk], now=now, relationship=False)

    assert _values(account) == {
        "ticket_resolution_days": pytest.approx(3.0),
        "escalations_90d": 2.0,
        "csat_trend": pytest.approx(65 - 90),
    }
    # A second refresh the same day updates in place.
    derived_refresh(account_ids=[account.pk], now=now + dt.timedelta(minutes=5), relationship=False)
    assert Observation.objects.filter(account=account, source="derived").count() == 3


def test_executive_sponsor_last_touch_counts_days_since_the_latest_touch_of_a_sponsor_in_role():
    derived_signals_create()
    now = timezone.now()
    today = timezone.localdate(now)
    met, left, untouched = (AccountFactory(name=n) for n in ("met", "sponsor left", "never touched"))
    Contact.objects.create(account=met, name="Sam", role="executive_sponsor", last_touch_at=today - dt.timedelta(days=40))
    Contact.objects.create(account=met, name="Sue", role="executive_sponsor", last_touch_at=today - dt.timedelta(days=9))
    Contact.objects.create(account=met, name="Uma", role="user", last_touch_at=today)  # not a sponsor
    Contact.objects.create(account=left, name="Tom", role="executive_sponsor", last_touch_at=today - dt.timedelta(days=5),
                           left_at=today - dt.timedelta(days=1))
    Contact.objects.create(account=untouched, name="Val", role="executive_sponsor")
    derived_refresh(account_ids=[met.pk, left.pk, untouched.pk], now=now)
    assert _values(met)["exec_sponsor_touch_days"] == 9.0
    assert "exec_sponsor_touch_days" not in _values(left)       # a sponsor who left touches nobody
    assert "exec_sponsor_touch_days" not in _values(untouched)  # no touch on record: excluded, not zero


def test_ticket_first_response_time_is_the_mean_over_tickets_opened_in_90_days_with_a_reply():
    derived_signals_create()
    now = timezone.now()
    account = AccountFactory()
    for n, opened_days_ago, reply_hours in ((1, 10, 4), (2, 5, 20), (3, 2, None), (4, 120, 100)):
        opened = now - dt.timedelta(days=opened_days_ago)
        reply = opened + dt.timedelta(hours=reply_hours) if reply_hours is not None else None
        Ticket.objects.create(account=account, external_id=str(n), opened_at=opened, updated_at=reply or opened,
                              first_response_at=reply)
    derived_refresh(account_ids=[account.pk], now=now, relationship=False)
    # (4 + 20) / 2: the unanswered ticket and the one opened 120 days ago do not count
    assert _values(account)["ticket_first_response_hours"] == pytest.approx(12.0)
