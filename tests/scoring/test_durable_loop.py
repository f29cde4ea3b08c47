"""Every score write records what it still has to act on; acting on it is idempotent (#11 item 1).

The world: Acme was green (90) yesterday; today's 10 is a rapid decline to red, which must open the
red playbook's task (assigned to the owner) and alert the owner and the team's manager by email,
exactly once, whatever path wrote the score and whatever crashed in between.
"""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from playbooks.models import Notification, Task
from scoring.effects import effects_drain, effects_pending
from scoring.models import ScoreChange, ScoreOutbox
from scoring.services import scores_recompute
from scoring.tasks import recompute_accounts
from tests.playbooks.engine_world import build_world, drop


@pytest.fixture
def red_today(db):
    now = timezone.now()
    world = build_world(now)
    effects_drain(now=now - dt.timedelta(days=1))  # yesterday's first score, acted on yesterday
    drop(world, now - dt.timedelta(minutes=1))
    return world


def _effects(world) -> tuple[list, list]:
    tasks = sorted(Task.objects.filter(account=world.account).values_list("title", "assignee__username", "opened_in_tier"))
    alerts = sorted(
        Notification.objects.filter(account=world.account, kind="tier_change").values_list("recipient__username",
                                                                                             "channel")
    )
    return tasks, alerts


EXPECTED = ([("Call the champion", "alice", "red")], [("alice", "email"), ("manager", "email")])


def test_the_cli_opens_the_task_and_the_alerts(red_today):
    out = StringIO()
    call_command("recompute_scores", "--all", stdout=out, stderr=StringIO())

    assert _effects(red_today) == EXPECTED
    assert "1 task(s) opened, 2 notification(s) queued" in out.getvalue()
    assert effects_pending() == 0


def test_the_cli_for_one_account_opens_the_task_too(red_today):
    call_command("recompute_scores", "--account", "acme", stdout=StringIO(), stderr=StringIO())
    assert _effects(red_today) == EXPECTED


def test_a_write_whose_triggers_never_ran_is_repaired_by_the_next_cli_run(red_today):
    """The lost-task bug: the first write logged green → red and died before its triggers; the next
    recompute finds the change-log row already there (nothing new to log). Its outbox row is not."""
    scores_recompute(account_ids=[red_today.account.pk], now=timezone.now())  # the write, no drain: the "crash"
    assert ScoreChange.objects.filter(account=red_today.account, from_tier="green", to_tier="red").count() == 1
    assert _effects(red_today) == ([], [])
    assert effects_pending() == 1

    call_command("recompute_scores", "--all", stdout=StringIO(), stderr=StringIO())

    assert _effects(red_today) == EXPECTED
    assert effects_pending() == 0


def test_a_crash_inside_the_triggers_rolls_back_and_a_rerun_opens_exactly_the_missing(red_today, monkeypatch):
    """Killed after the tasks were inserted but before the alerts: nothing of the step stays, the outbox
    row stays unacted, and the drain opens exactly one task and two alerts."""
    from playbooks import notifications

    def killed(**kwargs):
        raise SystemExit("kill -9")  # not an Exception: nothing in the worker catches it

    with monkeypatch.context() as m, pytest.raises(SystemExit):
        m.setattr(notifications, "notifications_for_tier_changes", killed)
        recompute_accounts([red_today.account.pk])
    assert _effects(red_today) == ([], [])  # the tasks went with the rolled-back transaction
    assert ScoreChange.objects.filter(account=red_today.account, to_tier="red").exists()
    assert effects_pending() == 1

    outcome = effects_drain()

    assert (outcome["rows"], outcome["tasks"], outcome["notifications"]) == (1, 1, 2)
    assert _effects(red_today) == EXPECTED
    assert effects_drain() == {"rows": 0, "failed": 0}  # nothing left: a second run adds nothing
    call_command("recompute_scores", "--all", stdout=StringIO(), stderr=StringIO())
    assert _effects(red_today) == EXPECTED


def test_a_failing_record_is_kept_with_its_error_and_does_not_stop_the_others(red_today, monkeypatch):
    from playbooks import triggers

    real = triggers.triggers_evaluate
    monkeypatch.setattr(triggers, "triggers_evaluate", lambda **kw: (_ for _ in ()).throw(RuntimeError("boom")))
    outcome = recompute_accounts([red_today.account.pk])
    assert outcome["failed"] == 1
    row = ScoreOutbox.objects.get(acted_at__isnull=True)
    assert (row.attempts, row.error.splitlines()[0]) == (1, "RuntimeError: boom")
    assert _effects(red_today) == ([], [])

    monkeypatch.setattr(triggers, "triggers_evaluate", real)
    assert effects_drain()["rows"] == 1
    assert _effects(red_today) == EXPECTED


def test_acting_twice_on_the_same_change_creates_nothing_twice(red_today):
    """Two records of the same change (a re-run after a crash that had committed, two workers)."""
    first = scores_recompute(account_ids=[red_today.account.pk], now=timezone.now())
    change = ScoreChange.objects.get(account=red_today.account, to_tier="red")
    ScoreOutbox.objects.create(account_ids=[red_today.account.pk], change_ids=[change.pk])
    # The pre-check that skips acted-on changes is bypassed: only the constraints are left.
    ScoreOutbox.objects.create(account_ids=[red_today.account.pk], change_ids=[change.pk])

    effects_drain(ids=first.outbox_ids)
    Notification.objects.filter(account=red_today.account).update(payload={})  # defeat the payload pre-check
    Task.objects.filter(account=red_today.account).update(status="done")  # and the one-open-task index
    effects_drain()

    assert ScoreOutbox.objects.filter(acted_at__isnull=True).count() == 0
    assert Task.objects.filter(account=red_today.account).count() == 1
    assert Notification.objects.filter(account=red_today.account).count() == 2


def test_the_database_refuses_a_second_task_for_the_same_change_and_step(red_today):
    recompute_accounts([red_today.account.pk])
    task = Task.objects.get(account=red_today.account)
    Task.objects.filter(pk=task.pk).update(status="done")
    with pytest.raises(IntegrityError), transaction.atomic():
        Task.objects.create(
            account=task.account, playbook=task.playbook, step=task.step, title=task.title, severity=task.severity,
            due_at=task.due_at, opened_by_change=task.opened_by_change, opened_in_tier="red",
        )


def test_the_database_refuses_a_second_notification_with_the_same_key(red_today):
    recompute_accounts([red_today.account.pk])
    alert = Notification.objects.filter(account=red_today.account).first()
    assert alert.dedupe_key == f"tier_change:{alert.payload['change_id']}:red:email:{alert.recipient_id}"
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(channel="email", kind="tier_change", subject="again", dedupe_key=alert.dedupe_key)


def test_a_historical_rebuild_records_nothing_to_act_on(red_today):
    # Over yesterday's stored score: a deliberate replacement.
    scores_recompute(account_ids=[red_today.account.pk], now=timezone.now(), backfill_days=3, effects=False,
                     replace=True)
    assert effects_pending() == 0
    assert _effects(red_today) == ([], [])


def test_a_backfill_acts_on_todays_changes_only(red_today):
    result = scores_recompute(account_ids=[red_today.account.pk], now=timezone.now(), backfill_days=3, replace=True)
    row = ScoreOutbox.objects.get(pk__in=result.outbox_ids)
    today = timezone.localdate()
    assert set(ScoreChange.objects.filter(pk__in=row.change_ids).values_list("date", flat=True)) == {today}
    assert ScoreChange.objects.filter(account=red_today.account, date__lt=today).exists()


def test_notifications_whose_delivery_was_lost_are_delivered_by_the_watchdog(
    red_today, mailoutbox, monkeypatch, django_capture_on_commit_callbacks
):
    from scoring.tasks import daily_watchdog

    with monkeypatch.context() as m:
        m.setattr("playbooks.notifications._enqueue_delivery", lambda ids: None)  # the task is lost
        recompute_accounts([red_today.account.pk])
    assert Notification.objects.filter(sent_at__isnull=True).count() == 2
    Notification.objects.update(created_at=timezone.now() - dt.timedelta(minutes=2))

    with django_capture_on_commit_callbacks(execute=True):
        assert daily_watchdog()["redelivered"] == 2
    assert Notification.objects.filter(sent_at__isnull=True).count() == 0
    assert sorted(m.to[0] for m in mailoutbox) == ["alice@example.com", "manager@example.com"]
    assert daily_watchdog()["redelivered"] == 0


def test_a_recompute_whose_task_was_lost_is_enqueued_again_by_the_watchdog(
    red_today, monkeypatch, settings, django_capture_on_commit_callbacks
):
    """The observation is stored and its recompute asked for in one transaction; the task is lost
    (a crash right after the commit, a Redis broker killed with the task prefetched)."""
    from django_q.models import OrmQ

    from scoring.models import RecomputeRequest
    from scoring.tasks import daily_watchdog, recompute_enqueue

    settings.DAILY_CHUNK_LEASE_SECONDS = 60
    with monkeypatch.context() as m:
        m.setattr("django_q.conf.Conf.SYNC", False)
        with django_capture_on_commit_callbacks(execute=True):
            recompute_enqueue([red_today.account.pk])
    OrmQ.objects.all().delete()  # the broker lost it
    request = RecomputeRequest.objects.get(done_at__isnull=True)
    assert request.account_ids == [red_today.account.pk]
    with django_capture_on_commit_callbacks(execute=True):
        assert daily_watchdog()["recomputes"] == 0  # within its lease: maybe just queued
    RecomputeRequest.objects.update(enqueued_at=timezone.now() - dt.timedelta(seconds=61))

    with django_capture_on_commit_callbacks(execute=True):
        assert daily_watchdog()["recomputes"] == 1

    request.refresh_from_db()
    assert request.done_at is not None and request.enqueues == 2
    assert _effects(red_today) == EXPECTED
    with django_capture_on_commit_callbacks(execute=True):
        assert daily_watchdog()["recomputes"] == 0


def test_a_recompute_that_never_finishes_is_given_up_after_max_tries(
    red_today, monkeypatch, settings, django_capture_on_commit_callbacks, client
):
    """A request whose task kills its worker every time (a poison account) is enqueued MAX_CHUNK_ATTEMPTS
    times in all, then left for the next daily run and counted as failed in /metrics, not retried for ever."""
    from scoring.daily import MAX_CHUNK_ATTEMPTS
    from scoring.models import RecomputeRequest
    from scoring.tasks import daily_watchdog, recompute_enqueue

    settings.DAILY_CHUNK_LEASE_SECONDS = 60
    settings.METRICS_TOKEN = "s3cret-metrics-token"
    sent = []
    monkeypatch.setattr("scoring.tasks.recompute_requests_send", lambda requests: sent.extend(requests))  # dies
    with django_capture_on_commit_callbacks(execute=True):
        recompute_enqueue([red_today.account.pk])
    tries = []
    for _ in range(MAX_CHUNK_ATTEMPTS + 2):
        RecomputeRequest.objects.update(enqueued_at=timezone.now() - dt.timedelta(seconds=61))
        with django_capture_on_commit_callbacks(execute=True):
            tries.append(daily_watchdog()["recomputes"])
    assert tries == [1] * (MAX_CHUNK_ATTEMPTS - 1) + [0] * 3
    request = RecomputeRequest.objects.get()
    assert (request.enqueues, request.done_at, len(sent)) == (MAX_CHUNK_ATTEMPTS, None, MAX_CHUNK_ATTEMPTS)
    metrics = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-metrics-token").content.decode()
    assert "healthscore_recompute_requests_failed 1.0" in metrics
    assert "healthscore_recompute_requests_pending 0.0" in metrics
