"""Acting on score writes: the outbox drain (playbook triggers, tasks, notifications).

Every score write records a ``ScoreOutbox`` row in its own transaction (``scoring.writes``).
``effects_drain`` takes unacted rows one at a time (``SELECT … FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so several workers drain side by side without taking the same row), runs the
playbook triggers on the row's accounts and change-log rows, and marks it acted on, in the
same transaction as the tasks and notifications it created. A crash before the commit leaves
the row as it was; a crash after it leaves nothing to redo. Acting on a row twice (a drain
that died after committing its tasks but the constraint of ``Task``/``Notification`` caught
the rest, two drains on SQLite) creates nothing twice: tasks are unique per change and step
(and per open account and step), notifications per ``dedupe_key``.

Who drains: the worker that wrote the rows (its own ids, right after the write), the CLI and
each daily chunk at their end (everything unacted), and the watchdog schedule every minute.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import traceback
from collections.abc import Iterable

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from scoring.models import ScoreChange, ScoreOutbox

log = logging.getLogger(__name__)

# A row that failed this many times is left for a person (listed in the admin with its error).
MAX_ATTEMPTS = 5


def _act(row: ScoreOutbox, now: dt.datetime) -> dict[str, int]:
    from playbooks.triggers import triggers_evaluate
    from scoring.writes import RecomputeResult

    changes = list(ScoreChange.objects.filter(pk__in=row.change_ids))
    result = RecomputeResult(account_ids=list(row.account_ids), changes=changes, scores={})
    return triggers_evaluate(result=result, now=now)


def effects_drain(*, ids: Iterable[int] | None = None, now: dt.datetime | None = None,
                  limit: int | None = None, budget_seconds: float | None = None) -> dict[str, int]:
    """Act on the unacted outbox rows (only ``ids`` when given); returns the summed trigger counts
    plus ``rows`` (acted on) and ``failed``. ``now``: the time the tasks are opened at (default: now).
    ``limit`` rows at most; ``budget_seconds``: start no row after that long (a task stays well inside
    its timeout; the next drain takes the rest)."""
    started = time.monotonic()
    wanted = None if ids is None else sorted(set(ids))
    totals: dict[str, int] = {"rows": 0, "failed": 0}
    if wanted is not None and not wanted:
        return totals
    last = 0  # rows are taken in id order: the next one comes after the last tried (acted on or failed)
    while limit is None or totals["rows"] + totals["failed"] < limit:
        if budget_seconds is not None and time.monotonic() - started > budget_seconds:
            break
        at = now or timezone.now()
        current: int | None = None
        try:
            with transaction.atomic():
                qs = ScoreOutbox.objects.filter(acted_at__isnull=True, attempts__lt=MAX_ATTEMPTS, pk__gt=last)
                if wanted is not None:
                    qs = qs.filter(pk__in=wanted)
                row = qs.select_for_update(skip_locked=True).order_by("pk").first()
                if row is None:
                    break
                last = row.pk
                current = row.pk
                outcome = _act(row, at)
                ScoreOutbox.objects.filter(pk=row.pk).update(acted_at=at, attempts=F("attempts") + 1, error="")
        except Exception as exc:  # one bad row must not stop the others: record it, go on
            if current is None:
                raise
            log.exception("Acting on score outbox row %s failed", current)
            ScoreOutbox.objects.filter(pk=current).update(
                attempts=F("attempts") + 1, error=f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"[:4000]
            )
            totals["failed"] += 1
            continue
        totals["rows"] += 1
        for key, value in outcome.items():
            totals[key] = totals.get(key, 0) + value
    return totals


def effects_pending() -> int:
    """Outbox rows not yet acted on (and not given up on)."""
    return ScoreOutbox.objects.filter(acted_at__isnull=True, attempts__lt=MAX_ATTEMPTS).count()
