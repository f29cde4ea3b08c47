"""The daily run keeps a ledger of its chunks; the watchdog finishes whatever stopped (#11 item 2)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_q.models import OrmQ

from accounts.models import Account
from playbooks.models import Notification, Task
from scoring.daily import daily_chunk_run, daily_run_finish
from scoring.effects import effects_drain
from scoring.models import DailyChunk, DailyRun, ScoreSnapshot
from scoring.tasks import daily_watchdog, recompute_all_enqueue
from tests.factories import AccountFactory, observe
from tests.playbooks.engine_world import build_world, drop


@pytest.fixture
def book(db):
    """Acme (turning red today) and six more accounts of the same segment with a login each."""
    now = timezone.now()
    world = build_world(now)
    effects_drain(now=now - dt.timedelta(days=1))
    for n in range(6):
        other = AccountFactory(segment=world.account.segment, external_id=f"other-{n}")
        observe(other, world.signal, 80, now - dt.timedelta(hours=3))
    drop(world, now - dt.timedelta(minutes=1))
    return world


def _unscored_today() -> int:
    today = timezone.localdate()
    return Account.objects.filter(status="active").exclude(snapshots__date=today).count()


def _red_effects(world) -> tuple[int, int]:
    return (Task.objects.filter(account=world.account).count(),
            Notification.objects.filter(account=world.account, kind="tier_change").count())


def test_a_run_goes_through_its_chunks_and_finishes(book, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        outcome = recompute_all_enqueue(chunk_size=2)

    run = DailyRun.objects.get(pk=outcome["run"])
    assert (outcome["accounts"], outcome["chunks"]) == (7, 4)
    assert list(run.chunks.values_list("status", "attempts")) == [("done", 1)] * 4
    assert run.finished_at is not None and run.missing == 0
    assert _unscored_today() == 0
    assert _red_effects(book) == (1, 2)


def test_the_watchdog_reenqueues_a_chunk_whose_worker_died_and_a_run_that_stalled(
    book, settings, django_capture_on_commit_callbacks, monkeypatch
):
    settings.DAILY_CHUNK_LEASE_SECONDS = 30
    with monkeypatch.context() as m:
        m.setattr("django_q.conf.Conf.SYNC", False)  # the broker "loses" every task (Redis, kill -9)
        with django_capture_on_commit_callbacks(execute=True):
            run_id = recompute_all_enqueue(chunk_size=3)["run"]
    OrmQ.objects.all().delete()
    earlier = timezone.now() - dt.timedelta(minutes=2)
    first, *rest = DailyChunk.objects.filter(run_id=run_id).order_by("number")
    # Chunk 1 was claimed by a worker that was killed: running, lease expired. The others never ran.
    DailyChunk.objects.filter(pk=first.pk).update(status="running", started_at=earlier, attempts=1,
                                                  lease_until=earlier + dt.timedelta(seconds=30))
    DailyChunk.objects.filter(run_id=run_id).update(enqueued_at=earlier)

    with django_capture_on_commit_callbacks(execute=True):
        outcome = daily_watchdog()

    assert outcome["requeued"] == 3
    run = DailyRun.objects.get(pk=run_id)
    assert run.finished_at is not None
    assert list(run.chunks.values_list("number", "status", "attempts", "enqueues")) == [
        (1, "done", 2, 2), (2, "done", 1, 2), (3, "done", 1, 2)
    ]
    assert _unscored_today() == 0
    assert _red_effects(book) == (1, 2)
    assert ScoreSnapshot.objects.filter(date=timezone.localdate()).count() == 7
    with django_capture_on_commit_callbacks(execute=True):
        assert daily_watchdog()["requeued"] == 0  # nothing left to do


def test_the_watchdog_leaves_a_live_chunk_and_a_moving_run_alone(book, settings, monkeypatch,
                                                                  django_capture_on_commit_callbacks):
    settings.DAILY_CHUNK_LEASE_SECONDS = 300
    with monkeypatch.context() as m:
        m.setattr("django_q.conf.Conf.SYNC", False)
        with django_capture_on_commit_callbacks(execute=True):
            run_id = recompute_all_enqueue(chunk_size=3)["run"]
    now = timezone.now()
    DailyChunk.objects.filter(run_id=run_id, number=1).update(status="running", started_at=now,
                                                              lease_until=now + dt.timedelta(seconds=300))
    with django_capture_on_commit_callbacks(execute=True):
        assert daily_watchdog()["requeued"] == 0
    assert daily_chunk_run(DailyChunk.objects.get(run_id=run_id, number=1).pk) == {"skipped": 1}  # another holds it


def test_a_chunk_run_twice_duplicates_nothing(book, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run_id = recompute_all_enqueue(chunk_size=10)["run"]
    chunk = DailyChunk.objects.get(run_id=run_id)
    assert daily_chunk_run(chunk.pk) == {"skipped": 1}  # done
    DailyChunk.objects.filter(pk=chunk.pk).update(status="pending")  # as if its done mark was lost
    with django_capture_on_commit_callbacks(execute=True):
        daily_chunk_run(chunk.pk)
    assert ScoreSnapshot.objects.filter(date=timezone.localdate()).count() == 7
    assert _red_effects(book) == (1, 2)


def test_accounts_left_without_todays_snapshot_get_one_top_up_chunk(book, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run_id = recompute_all_enqueue(chunk_size=10)["run"]
    ScoreSnapshot.objects.filter(account=book.account, date=timezone.localdate()).delete()
    DailyRun.objects.filter(pk=run_id).update(finished_at=None)

    with django_capture_on_commit_callbacks(execute=True):
        daily_run_finish(run_id, now=timezone.now())

    run = DailyRun.objects.get(pk=run_id)
    top_up = run.chunks.get(number=2)
    assert (top_up.account_ids, top_up.status) == ([book.account.pk], "done")
    assert (run.topped_up, run.missing) == (True, 0)
    assert _unscored_today() == 0


def test_a_chunk_that_keeps_killing_its_worker_is_given_up_and_the_run_finishes(
    book, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from scoring.daily import MAX_CHUNK_ATTEMPTS

    settings.DAILY_CHUNK_LEASE_SECONDS = 30
    with monkeypatch.context() as m:
        m.setattr("django_q.conf.Conf.SYNC", False)
        with django_capture_on_commit_callbacks(execute=True):
            run_id = recompute_all_enqueue(chunk_size=3)["run"]
    OrmQ.objects.all().delete()
    earlier = timezone.now() - dt.timedelta(minutes=2)
    DailyChunk.objects.filter(run_id=run_id).update(enqueued_at=earlier)
    doomed = DailyChunk.objects.get(run_id=run_id, number=2)
    DailyChunk.objects.filter(pk=doomed.pk).update(status="running", attempts=MAX_CHUNK_ATTEMPTS, started_at=earlier,
                                                   lease_until=earlier)
    assert daily_chunk_run(doomed.pk) == {"skipped": 1}  # no sixth attempt, even from a late redelivery

    with django_capture_on_commit_callbacks(execute=True):
        daily_watchdog()

    run = DailyRun.objects.get(pk=run_id)
    given_up = set(Account.objects.filter(pk__gte=doomed.first_pk, pk__lt=doomed.end_pk).values_list("pk", flat=True))
    assert list(run.chunks.values_list("number", "status")) == [(1, "done"), (2, "failed"), (3, "done"), (4, "done")]
    # The top-up chunk (4) scored the given-up chunk's accounts once more: nothing is missing.
    assert set(run.chunks.get(number=4).account_ids) == given_up
    assert run.topped_up and run.finished_at is not None
    assert (run.missing, _unscored_today()) == (0, 0)
