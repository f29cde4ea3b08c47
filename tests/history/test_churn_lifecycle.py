"""A churned outcome ends the account on its date; its history stays in the backtest; a renewal reactivates it."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from accounts.lifecycle import churn_date_of
from accounts.models import Account
from accounts.services import outcome_record
from playbooks.models import Task
from playbooks.triggers import triggers_evaluate
from scoring.models import ScoreChange, ScoreSnapshot
from scoring.services import scores_recompute
from scoring.validation import backtest_run
from tests.factories import AccountFactory, observe

NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
TODAY = NOW.date()


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def book(clock, scoring_setup):
    logins = scoring_setup.signals["weekly_logins"]
    leaving, staying = AccountFactory(external_id="leaving"), AccountFactory(external_id="staying")
    for d in range(60):
        observe(leaving, logins, 3 if d >= 30 else 0, NOW - d * DAY)   # silent for the last 30 days
        observe(staying, logins, 3, NOW - d * DAY)
    scores_recompute(now=NOW, backfill_days=40)
    return leaving, staying


def test_it_derives_the_end_from_every_outcome():
    d = dt.date
    assert churn_date_of([]) is None
    assert churn_date_of([("renewed", d(2026, 1, 1))]) is None
    assert churn_date_of([("churned", d(2026, 3, 1)), ("renewed", d(2026, 1, 1))]) == d(2026, 3, 1)
    assert churn_date_of([("churned", d(2026, 3, 1)), ("renewed", d(2026, 4, 1))]) is None
    # A renewal on the churn day itself does not undo it; the latest churn counts.
    assert churn_date_of([("churned", d(2026, 3, 1)), ("renewed", d(2026, 3, 1))]) == d(2026, 3, 1)
    assert churn_date_of([("churned", d(2026, 3, 1)), ("renewed", d(2026, 4, 1)), ("churned", d(2026, 5, 1))]) == d(
        2026, 5, 1)


def test_it_ends_the_account_on_its_churn_date(book):
    leaving, staying = book
    churn_day = TODAY - 10 * DAY
    open_task = Task.objects.create(account=leaving, playbook=_playbook(), step=_playbook().steps.first(), title="Call",
                                    severity="high", due_at=NOW)
    assert ScoreSnapshot.objects.filter(account=leaving, date__gt=churn_day).count() == 10

    outcome_record(account=leaving, kind="churned", date=churn_day)

    leaving.refresh_from_db()
    assert (leaving.status, leaving.churned_on) == (Account.Status.CHURNED, churn_day)
    open_task.refresh_from_db()
    assert open_task.status == Task.Status.DISMISSED
    assert open_task.dismiss_reason == f"Closed: the account churned on {churn_day.isoformat()}."
    assert open_task.closed_by is None and open_task.closed_at == NOW
    # History up to the churn stays; nothing after it.
    dates = list(ScoreSnapshot.objects.filter(account=leaving).order_by("date").values_list("date", flat=True))
    assert dates[0] == TODAY - 39 * DAY and dates[-1] == churn_day and len(dates) == 30
    assert not ScoreChange.objects.filter(account=leaving, date__gt=churn_day).exists()
    assert ScoreSnapshot.objects.filter(account=staying).count() == 40


def test_it_is_not_scored_or_given_tasks_after_it(book):
    leaving, staying = book
    outcome_record(account=leaving, kind="churned", date=TODAY - 10 * DAY)
    snaps = ScoreSnapshot.objects.filter(account=leaving).count()

    later = NOW + DAY
    for result in (scores_recompute(now=later), scores_recompute(account_ids=[leaving.pk, staying.pk], now=later)):
        assert leaving.pk not in result.account_ids and staying.pk in result.account_ids
        triggers_evaluate(result=result, now=later)
    assert ScoreSnapshot.objects.filter(account=leaving).count() == snaps
    assert not Task.objects.filter(account=leaving, status__in=Task.ACTIVE_STATUSES).exists()


def test_a_rebuild_keeps_its_history_up_to_the_churn_and_the_backtest_counts_it(book, settings):
    leaving, staying = book
    churn_day = TODAY - 10 * DAY
    outcome_record(account=leaving, kind="churned", date=churn_day)

    scores_recompute(now=NOW, backfill_days=40, replace=True)  # a rebuild over a range the churn falls into

    dates = list(ScoreSnapshot.objects.filter(account=leaving).order_by("date").values_list("date", flat=True))
    assert (len(dates), dates[-1]) == (30, churn_day)
    assert ScoreSnapshot.objects.filter(account=staying).count() == 40
    report = backtest_run(now=NOW)
    assert report["outcomes"] == {"churned": 1}
    # Its history counts: 14 days before the churn it has a snapshot, in the tier stored that day.
    before = ScoreSnapshot.objects.get(account=leaving, date=churn_day - 14 * DAY)
    figure = report["recall"][14]["red_or_yellow"]
    assert (figure.numerator, figure.denominator) == (int(before.tier in ("red", "yellow")), 1)
    assert ScoreSnapshot.objects.get(account=leaving, date=churn_day).tier == "red"


def test_a_renewal_after_the_churn_reactivates_it(book, django_capture_on_commit_callbacks):
    leaving, _ = book
    outcome_record(account=leaving, kind="churned", date=TODAY - 10 * DAY)
    outcome_record(account=leaving, kind="renewed", date=TODAY - 20 * DAY)  # before the churn: still churned
    leaving.refresh_from_db()
    assert leaving.status == Account.Status.CHURNED

    with django_capture_on_commit_callbacks(execute=True):
        outcome_record(account=leaving, kind="renewed", date=TODAY - 2 * DAY)
    leaving.refresh_from_db()
    assert (leaving.status, leaving.churned_on) == (Account.Status.ACTIVE, None)
    assert ScoreSnapshot.objects.filter(account=leaving, date=TODAY).exists()  # scored again at once


def test_the_api_ends_the_account(book, client):
    from support.models import ApiToken

    leaving, _ = book
    key = ApiToken.generate(name="ingest", scope_ingest=True, scope_read=True)[1]
    response = client.post("/api/v1/outcomes/", {"account": "leaving", "kind": "churned",
                                                 "date": (TODAY - 3 * DAY).isoformat()},
                           content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 201, response.content
    leaving.refresh_from_db()
    assert leaving.status == Account.Status.CHURNED


def _playbook():
    from playbooks.models import Playbook, PlaybookStep

    playbook, created = Playbook.objects.get_or_create(name="Red", defaults={"trigger_kind": "enter_tier",
                                                                            "tier": "red", "severity": "high"})
    if created:
        PlaybookStep.objects.create(playbook=playbook, order=1, title="Call", due_offset_hours=24)
    return playbook
