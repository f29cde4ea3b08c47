"""django-q2 tasks for scoring. Tasks take ids and call services."""

from __future__ import annotations

from collections.abc import Iterable

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

    from scoring.services import scores_recompute

    result = scores_recompute(account_ids=account_ids, now=timezone.now())
    try:
        from playbooks.triggers import triggers_evaluate
    except ImportError:  # playbooks engine not installed yet
        return {"accounts": len(account_ids)}
    triggers_evaluate(result=result, now=timezone.now())
    return {"accounts": len(account_ids)}
