"""django-q2 tasks for scoring. Tasks take ids and call services."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction


def recompute_enqueue(account_ids: Iterable[int], cause: str | None = None) -> None:
    """Enqueue a recompute of the given accounts once the current transaction commits.

    Many observations for one account in a batch become a single recompute: the
    ids are de-duplicated here, and the worker never reads uncommitted data.
    Long lists (a published model version, a large import) are split into one
    task per ``RECOMPUTE_CHUNK_SIZE`` accounts, so no task outgrows the timeout
    and several workers share the work. ``cause``: the change log's cause when the caller knows
    it (``ScoreChange.Cause.SIGNAL_DEFINITION``), passed on to ``recompute_accounts``.
    """
    ids = sorted({int(i) for i in account_ids})
    if not ids:
        return
    from django_q.tasks import async_task

    size = settings.RECOMPUTE_CHUNK_SIZE
    chunks = [ids[i : i + size] for i in range(0, len(ids), size)]

    def enqueue() -> None:
        for chunk in chunks:
            if cause:
                async_task("scoring.tasks.recompute_accounts", chunk, cause=cause, task_name="recompute")
            else:
                async_task("scoring.tasks.recompute_accounts", chunk, task_name="recompute")

    transaction.on_commit(enqueue)


def recompute_accounts(account_ids: list[int], cause: str | None = None) -> dict:
    """Recompute the accounts now, then evaluate playbook triggers on the result."""
    from django.utils import timezone

    from playbooks.triggers import triggers_evaluate
    from scoring.services import scores_recompute

    result = scores_recompute(account_ids=account_ids, now=timezone.now(), cause=cause)
    outcome = triggers_evaluate(result=result, now=timezone.now())
    return {"accounts": len(account_ids), "changes": len(result.changes), **outcome}


def recompute_range(first_pk: int, end_pk: int) -> dict:
    """Recompute the active accounts with first_pk ≤ id < end_pk, then evaluate their triggers."""
    from django.utils import timezone

    from accounts.models import Account
    from playbooks.triggers import triggers_evaluate
    from scoring.derived import derived_refresh
    from scoring.services import scores_recompute
    from scoring.writes import RecomputeResult

    # The product's own relationship/support signals for this range, before it is scored.
    active = Account.objects.filter(pk__gte=first_pk, pk__lt=end_pk, status=Account.Status.ACTIVE)
    derived_refresh(account_ids=list(active.values_list("pk", flat=True)), now=timezone.now())
    result = scores_recompute(account_range=(first_pk, end_pk), now=timezone.now())
    size = settings.RECOMPUTE_CHUNK_SIZE
    totals: dict[str, int] = {"accounts": len(result.account_ids), "changes": len(result.changes)}
    for i in range(0, len(result.account_ids), size):  # triggers in bounded pieces
        ids = result.account_ids[i : i + size]
        mine = set(ids)
        part = RecomputeResult(account_ids=ids, changes=[c for c in result.changes if c.account_id in mine],
                               scores={a: result.scores[a] for a in ids if a in result.scores})
        for key, value in triggers_evaluate(result=part, now=timezone.now()).items():
            totals[key] = totals.get(key, 0) + value
    return totals


def recompute_all_enqueue(chunk_size: int | None = None) -> dict:
    """Daily full recompute: one ``recompute_range`` task per contiguous id range of active accounts.

    Chunks let several workers (on several machines) share the run. Each task gets an id
    range (first ≤ id < end) holding ``chunk_size`` active accounts (default: the full
    run's aggregation block, ``scoring.services.AGGREGATE_BLOCK``), so its aggregation reads
    one range of the observations index instead of an IN list, and stays well under the
    task timeout.
    """
    from django_q.tasks import async_task

    from accounts.models import Account
    from scoring.services import AGGREGATE_BLOCK

    size = chunk_size or AGGREGATE_BLOCK
    ids = list(
        Account.objects.filter(status=Account.Status.ACTIVE).order_by("pk").values_list("pk", flat=True)
    )
    starts = ids[::size]
    ends = [*starts[1:], ids[-1] + 1] if ids else []
    for number, (first, end) in enumerate(zip(starts, ends, strict=True), start=1):
        async_task("scoring.tasks.recompute_range", first, end,
                   task_name=f"recompute chunk {number}/{len(starts)}")
    return {"accounts": len(ids), "chunks": len(starts)}
