"""django-q2 tasks for scoring. Tasks take ids and call services."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction


def recompute_enqueue(account_ids: Iterable[int], cause: str | None = None) -> None:
    """Ask for a recompute of the given accounts: stored now, enqueued once the current transaction commits.

    Many observations for one account in a batch become a single recompute: the
    ids are de-duplicated here, and the worker never reads uncommitted data.
    Long lists (a published model version, a large import) are split into one
    task per ``RECOMPUTE_CHUNK_SIZE`` accounts, so no task outgrows the timeout
    and several workers share the work. ``cause``: the change log's cause when the caller knows
    it (``ScoreChange.Cause.SIGNAL_DEFINITION``), passed on to ``recompute_accounts``.

    Each chunk is a ``RecomputeRequest`` row written in the caller's transaction: if the task is
    lost after the commit, the watchdog enqueues it again.
    """
    ids = sorted({int(i) for i in account_ids})
    if not ids:
        return
    from django.utils import timezone

    from scoring.models import RecomputeRequest

    size = settings.RECOMPUTE_CHUNK_SIZE
    now = timezone.now()
    requests = RecomputeRequest.objects.bulk_create(
        RecomputeRequest(account_ids=ids[i : i + size], cause=cause or "", enqueued_at=now)
        for i in range(0, len(ids), size)
    )
    transaction.on_commit(lambda: recompute_requests_send(requests))


def recompute_requests_send(requests) -> None:
    from django_q.tasks import async_task

    for request in requests:
        extra = {"cause": request.cause} if request.cause else {}
        async_task("scoring.tasks.recompute_accounts", list(request.account_ids), request=request.pk,
                   task_name="recompute", **extra)


def recompute_accounts(account_ids: list[int], cause: str | None = None, request: int | None = None) -> dict:
    """Recompute the accounts now, then act on what the write recorded (triggers, tasks, alerts);
    ``request``: the ``RecomputeRequest`` this answers, marked done at the end."""
    from django.utils import timezone

    from scoring.effects import effects_drain
    from scoring.models import RecomputeRequest
    from scoring.services import scores_recompute

    if request is not None and RecomputeRequest.objects.filter(pk=request, done_at__isnull=False).exists():
        return {"accounts": 0, "changes": 0, "skipped": "already done"}  # answered at once (recompute_now)
    started = timezone.now()
    result = scores_recompute(account_ids=account_ids, now=started, cause=cause)
    outcome = effects_drain(ids=result.outbox_ids)
    outcome.pop("rows", None)
    if request is not None:
        RecomputeRequest.objects.filter(pk=request, done_at__isnull=True).update(done_at=timezone.now())
    return {"accounts": len(account_ids), "changes": len(result.changes), **outcome}


def recompute_now(account_ids: Iterable[int]) -> dict:
    """Recompute at once, in the caller's process (a page that shows the new score in its answer), and
    answer the pending requests for exactly these accounts made before it started: their queued tasks then
    find them done and skip, instead of recomputing the same data a second time."""
    from django.utils import timezone

    from scoring.models import RecomputeRequest

    ids = sorted({int(i) for i in account_ids})
    started = timezone.now()
    outcome = recompute_accounts(ids)
    RecomputeRequest.objects.filter(done_at__isnull=True, account_ids=ids, created_at__lte=started).update(
        done_at=timezone.now())
    return outcome


def recompute_all_enqueue(chunk_size: int | None = None) -> dict:
    """Daily full recompute: a ledger of small chunks (``scoring.daily``), one ``daily_chunk`` task each.

    Each chunk is a contiguous id range (first ≤ id < end) of ``chunk_size`` active accounts
    (default ``DAILY_CHUNK_SIZE``), so every worker takes a share of the run and its aggregation
    reads one range of the observations index; the watchdog re-enqueues what stops.
    """
    from django.utils import timezone

    from scoring.daily import daily_run_start

    return daily_run_start(now=timezone.now(), chunk_size=chunk_size)


def daily_chunk(chunk_id: int) -> dict:
    """One chunk of a daily run (``scoring.daily.daily_chunk_run``)."""
    from scoring.daily import daily_chunk_run

    return daily_chunk_run(chunk_id)


def daily_watchdog() -> dict:
    """Every minute: re-enqueue stopped chunks, finish runs, drain the outbox, redeliver notifications."""
    from django.utils import timezone

    from scoring.daily import daily_watchdog as watchdog

    return watchdog(now=timezone.now())
