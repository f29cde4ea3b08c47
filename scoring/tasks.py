"""django-q2 tasks for scoring. Tasks take ids and call services."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction


def recompute_enqueue(account_ids: Iterable[int]) -> None:
    """Enqueue one recompute of the given accounts once the current transaction commits.

    Many observations for one account in a batch become a single recompute: the
    ids are de-duplicated here, and the worker never reads uncommitted data.
    """
    ids = sorted({int(i) for i in account_ids})
    if not ids:
        return
    from django_q.tasks import async_task

    transaction.on_commit(lambda: async_task("scoring.tasks.recompute_accounts", ids, task_name="recompute"))


def recompute_accounts(account_ids: list[int]) -> dict:
    """Recompute the accounts now, then evaluate playbook triggers on the result."""
    from django.utils import timezone

    from playbooks.triggers import triggers_evaluate
    from scoring.services import scores_recompute

    result = scores_recompute(account_ids=account_ids, now=timezone.now())
    outcome = triggers_evaluate(result=result, now=timezone.now())
    return {"accounts": len(account_ids), "changes": len(result.changes), **outcome}


def recompute_all_enqueue(chunk_size: int | None = None) -> dict:
    """Daily full recompute: one ``recompute_accounts`` task per chunk of active accounts.

    Chunks let several workers (on several machines) share the run; each chunk is
    set-based inside ``scores_recompute`` and stays well under the task timeout.
    """
    from django_q.tasks import async_task

    from accounts.models import Account

    size = chunk_size or settings.RECOMPUTE_CHUNK_SIZE
    ids = list(
        Account.objects.filter(status=Account.Status.ACTIVE).order_by("pk").values_list("pk", flat=True)
    )
    chunks = [ids[i : i + size] for i in range(0, len(ids), size)]
    for number, chunk in enumerate(chunks, start=1):
        async_task(
            "scoring.tasks.recompute_accounts", chunk, task_name=f"recompute chunk {number}/{len(chunks)}"
        )
    return {"accounts": len(ids), "chunks": len(chunks)}
