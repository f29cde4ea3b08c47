"""The daily full recompute as a ledger of small chunks, and the watchdog that finishes it.

``daily_run_start`` writes a ``DailyRun`` and its ``DailyChunk`` rows (contiguous id ranges of
``DAILY_CHUNK_SIZE`` active accounts) in one transaction, then enqueues one task per chunk.
Small fixed chunks let every worker of every machine take a share of the run.

``daily_chunk_run`` claims its chunk with a conditional update (pending, or running with an
expired lease), recomputes the range (scores, snapshots, change log and outbox in one
transaction per write), acts on its outbox rows, and marks the chunk done. Everything a chunk
does is idempotent for the day (one snapshot per account and day, one change-log row per
account, day and cause, tasks and notifications unique per change), so running it again after
any crash repairs it and duplicates nothing.

Brokers deliver at least once, or less: django-q2's ORM broker hands a task out again once its
``retry`` (360 s) passes unacknowledged, but the Redis broker deletes a task from Redis when a
cluster prefetches it, so a kill -9 loses every prefetched and running task. The ledger does
not depend on either: ``daily_watchdog`` (a schedule, every minute) re-enqueues

- running chunks whose lease expired (the worker died or the task timed out), and
- pending chunks when the run has made no progress for ``DAILY_CHUNK_LEASE_SECONDS`` (their
  task was lost; a duplicate message is harmless, the claim lets one through),

finishes runs whose chunks are all done (the active accounts still without the day's snapshot
get one top-up chunk), re-enqueues lost recompute requests (``RecomputeRequest``, written by every
ingest, override and publish in its own transaction), drains the outbox and re-enqueues undelivered
notifications; rows acted on or done more than ``KEEP_DAYS`` ago are deleted.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from accounts.models import Account
from scoring.models import (
    DailyChunk,
    DailyRun,
    RecomputeRequest,
    ScoreOutbox,
    ScoreSnapshot,
    ScoringError,
)

log = logging.getLogger(__name__)
WATCH_DAYS = 2  # runs older than this are left alone (a later run has superseded them)
KEEP_DAYS = 7  # acted-on outbox rows and done recompute requests are deleted after this
# A chunk whose worker died this many times (it kills its worker: memory, a crash in C) is given up:
# the run finishes without it and counts its accounts as missing (logged, admin "Daily runs").
MAX_CHUNK_ATTEMPTS = 5
WATCHDOG_DRAIN_SECONDS = 120  # the watchdog's share of the outbox per run (the task timeout is 300 s)
FINAL = (DailyChunk.Status.DONE, DailyChunk.Status.FAILED)


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.DAILY_CHUNK_LEASE_SECONDS)


def _enqueue(chunks: list[DailyChunk], total: int) -> None:
    from django_q.tasks import async_task

    for chunk in chunks:
        async_task("scoring.tasks.daily_chunk", chunk.pk, task_name=f"recompute chunk {chunk.number}/{total}")


def daily_run_start(*, now: dt.datetime, chunk_size: int | None = None) -> dict:
    """Write today's run and its chunk ledger, then enqueue one task per chunk (after the commit)."""
    size = chunk_size or settings.DAILY_CHUNK_SIZE
    ids = list(Account.objects.filter(status=Account.Status.ACTIVE).order_by("pk").values_list("pk", flat=True))
    starts = ids[::size]
    ends = [*starts[1:], ids[-1] + 1] if ids else []
    with transaction.atomic():
        run = DailyRun.objects.create(date=timezone.localdate(now), accounts=len(ids), chunk_size=size,
                                      finished_at=now if not ids else None, missing=0 if not ids else None)
        chunks = DailyChunk.objects.bulk_create([
            DailyChunk(run=run, number=n, first_pk=first, end_pk=end, enqueued_at=now, enqueues=1)
            for n, (first, end) in enumerate(zip(starts, ends, strict=True), start=1)
        ])
        chunks = list(run.chunks.order_by("number"))  # with their ids on every database
        transaction.on_commit(lambda: _enqueue(chunks, len(chunks)))
    return {"accounts": len(ids), "chunks": len(starts), "run": run.pk}


def _claim(chunk_id: int, now: dt.datetime) -> bool:
    live = Q(status=DailyChunk.Status.PENDING) | Q(status=DailyChunk.Status.RUNNING, lease_until__lt=now)
    return bool(
        DailyChunk.objects.filter(live, pk=chunk_id, attempts__lt=MAX_CHUNK_ATTEMPTS).update(
            status=DailyChunk.Status.RUNNING, started_at=now, lease_until=now + _lease(), attempts=F("attempts") + 1
        )
    )


def daily_chunk_run(chunk_id: int) -> dict:
    """Run one chunk of a daily run, unless another worker holds it or it is done."""
    from scoring.derived import derived_refresh
    from scoring.effects import effects_drain
    from scoring.services import scores_recompute

    now = timezone.now()
    if not _claim(chunk_id, now):
        return {"skipped": 1}
    chunk = DailyChunk.objects.select_related("run").get(pk=chunk_id)
    if chunk.account_ids is not None:
        ids = list(Account.objects.filter(pk__in=chunk.account_ids, status=Account.Status.ACTIVE)
                   .values_list("pk", flat=True))
        derived_refresh(account_ids=ids, now=now)
        result = scores_recompute(account_ids=ids, now=now)
    else:
        active = Account.objects.filter(pk__gte=chunk.first_pk, pk__lt=chunk.end_pk, status=Account.Status.ACTIVE)
        derived_refresh(account_ids=list(active.values_list("pk", flat=True)), now=now)
        result = scores_recompute(account_range=(chunk.first_pk, chunk.end_pk), now=now)
    acted = effects_drain(ids=result.outbox_ids)
    outcome = {"accounts": len(result.account_ids), "changes": len(result.changes),
               **{k: v for k, v in acted.items() if k != "rows"}}
    DailyChunk.objects.filter(pk=chunk_id).update(status=DailyChunk.Status.DONE, finished_at=timezone.now(),
                                                  outcome=outcome)
    daily_run_finish(chunk.run_id, now=timezone.now())
    return outcome


def _missing(run: DailyRun) -> list[int]:
    """Active accounts without a snapshot on the run's day (and no scoring error that day to explain it)."""
    scored = ScoreSnapshot.objects.filter(date=run.date).values("account_id")
    failed = ScoringError.objects.filter(date=run.date).values("account_id")
    return list(
        Account.objects.filter(status=Account.Status.ACTIVE, created_at__lte=run.created_at)
        .exclude(pk__in=scored).exclude(pk__in=failed).order_by("pk").values_list("pk", flat=True)
    )


def daily_run_finish(run_id: int, *, now: dt.datetime) -> bool:
    """When every chunk is done: top up the accounts still unscored (once), else mark the run finished."""
    from scoring.effects import effects_drain

    with transaction.atomic():
        run = DailyRun.objects.select_for_update().get(pk=run_id)
        if run.finished_at is not None or run.chunks.exclude(status__in=FINAL).exists():
            return False
        missing = _missing(run)
        if missing and not run.topped_up:
            number = (run.chunks.aggregate(n=Max("number"))["n"] or 0) + 1
            chunk = DailyChunk.objects.create(run=run, number=number, account_ids=missing, enqueued_at=now, enqueues=1)
            run.topped_up = True
            run.save(update_fields=["topped_up"])
            transaction.on_commit(lambda: _enqueue([chunk], number))
            return False
        run.finished_at = now
        run.missing = len(missing)
        run.save(update_fields=["finished_at", "missing"])
    if missing:
        log.warning("Daily run %s finished with %d active accounts unscored: %s", run.pk, len(missing), missing[:20])
    # The sweeper: whatever an earlier crash left unacted, within the watchdog's budget (the last chunk's
    # task must stay inside its timeout; the watchdog drains the rest every minute).
    effects_drain(budget_seconds=WATCHDOG_DRAIN_SECONDS)
    return True


def daily_watchdog(*, now: dt.datetime) -> dict:
    """Re-enqueue what stopped, finish what is done, drain the outbox, redeliver lost notifications."""
    from playbooks.notifications import notifications_redeliver
    from scoring.effects import effects_drain

    lease = _lease()
    outcome = {"runs": 0, "requeued": 0, "finished": 0}
    for run in DailyRun.objects.filter(finished_at__isnull=True, created_at__gte=now - dt.timedelta(days=WATCH_DAYS)):
        outcome["runs"] += 1
        # Stalled: nothing enqueued, started or finished for a lease (read before giving anything up).
        marks = [c for chunk in run.chunks.all() for c in (chunk.enqueued_at, chunk.started_at, chunk.finished_at) if c]
        stalled = not marks or max(marks) < now - lease
        dead = run.chunks.filter(status=DailyChunk.Status.RUNNING, lease_until__lt=now,
                                 attempts__gte=MAX_CHUNK_ATTEMPTS)
        for chunk in dead:
            log.error("Daily run %s: chunk %s given up after %s attempts", run.pk, chunk.number, chunk.attempts)
        dead.update(status=DailyChunk.Status.FAILED, finished_at=now)
        chunks = list(run.chunks.exclude(status__in=FINAL))
        if not chunks:
            outcome["finished"] += daily_run_finish(run.pk, now=now)
            continue
        due = [c for c in chunks
               if (c.status == DailyChunk.Status.RUNNING and c.lease_until is not None and c.lease_until < now)
               or (c.status == DailyChunk.Status.PENDING and stalled)]
        if due:
            DailyChunk.objects.filter(pk__in=[c.pk for c in due]).update(enqueued_at=now, enqueues=F("enqueues") + 1)
            total = run.chunks.count()
            transaction.on_commit(lambda due=due, total=total: _enqueue(due, total))
            outcome["requeued"] += len(due)
            log.warning("Daily run %s: re-enqueued chunks %s", run.pk, [c.number for c in due])
    outcome["recomputes"] = _recompute_requests_resend(now, lease)
    outcome["outbox"] = effects_drain(now=now, budget_seconds=WATCHDOG_DRAIN_SECONDS).get("rows", 0)
    # Stored alerts whose delivery task is gone: after a lease (at most a minute) without being tried.
    outcome["redelivered"] = notifications_redeliver(now=now, older_than=min(lease, dt.timedelta(minutes=1)))
    kept = now - dt.timedelta(days=KEEP_DAYS)
    ScoreOutbox.objects.filter(acted_at__lt=kept).delete()
    RecomputeRequest.objects.filter(done_at__lt=kept).delete()
    return outcome


def recompute_requests_given_up(now: dt.datetime):
    """Requests tried ``MAX_CHUNK_ATTEMPTS`` times without finishing (each try killed its worker or timed
    out): never enqueued again; the next daily run scores their accounts (a gauge in /metrics)."""
    return RecomputeRequest.objects.filter(done_at__isnull=True, enqueues__gte=MAX_CHUNK_ATTEMPTS,
                                           enqueued_at__lt=now - _lease())


def _recompute_requests_resend(now: dt.datetime, lease: dt.timedelta) -> int:
    """Enqueue again the recompute requests whose task has not finished within a lease (lost), up to
    ``MAX_CHUNK_ATTEMPTS`` tries in all, like a daily chunk: a request that kills its worker each time
    is not retried for ever."""
    from scoring.tasks import recompute_requests_send

    due = list(RecomputeRequest.objects.filter(done_at__isnull=True, enqueued_at__lt=now - lease,
                                               enqueues__lt=MAX_CHUNK_ATTEMPTS,
                                               created_at__gte=now - dt.timedelta(days=WATCH_DAYS))[:1000])
    if due:
        RecomputeRequest.objects.filter(pk__in=[r.pk for r in due]).update(enqueued_at=now,
                                                                          enqueues=F("enqueues") + 1)
        transaction.on_commit(lambda: recompute_requests_send(due))
        log.warning("Re-enqueued %d lost recompute request(s)", len(due))
        last = [r.pk for r in due if r.enqueues + 1 >= MAX_CHUNK_ATTEMPTS]
        if last:
            log.error("Recompute request(s) %s enqueued for the last time (%d tries)", last, MAX_CHUNK_ATTEMPTS)
    return len(due)
