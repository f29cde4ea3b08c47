"""Account lifecycle from outcomes: a churn ends the account on its date, a later renewal reactivates it.

The state is derived from *all* of the account's outcomes (the latest churn, and whether a renewal or
expansion follows it), so outcomes imported out of order, twice, or corrected land on the same state.

Ending an account on day D: status churned and ``churned_on`` = D; its open and snoozed tasks close
(dismissed, with the reason, no ``closed_by``: the system did it, so they never count as completed
interventions); snapshots and change-log entries dated after D go (they scored stale data); snapshots up to D
stay, so its history is in every backtest. Recomputes skip it from then on (``scoring.services``), and a
rebuild of history stops at D.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from accounts.models import Account, Outcome

CHURN_NOTE = "Closed: the account churned on {date}."
REACTIVATING = (Outcome.Kind.RENEWED, Outcome.Kind.EXPANDED)


def churn_date_of(outcomes: Iterable[tuple[str, dt.date]]) -> dt.date | None:
    """The date the account ended, from its (kind, date) outcomes: the latest churn unless a renewal or
    expansion is dated after it (then the account is live again: None)."""
    churns = [d for k, d in outcomes if k == Outcome.Kind.CHURNED]
    if not churns:
        return None
    last = max(churns)
    if any(k in REACTIVATING and d > last for k, d in outcomes):
        return None
    return last


def account_lifecycle_sync(*, account_ids: Iterable[int], now: dt.datetime | None = None,
                           recompute: bool = True) -> dict[str, int]:
    """Bring the accounts' status in line with their outcomes (a few queries per account changed).

    ``recompute=False`` (a historical import): a reactivated account is not rescored now.

    Returns the counts: ended, reactivated, tasks closed, snapshots removed.
    """
    from playbooks.models import Task
    from scoring.models import ScoreChange, ScoreSnapshot
    from scoring.rollups import history_forget

    ids = sorted(set(account_ids))
    counts = {"ended": 0, "reactivated": 0, "tasks_closed": 0, "snapshots_removed": 0}
    if not ids:
        return counts
    now = now or timezone.now()
    outcomes: dict[int, list[tuple[str, dt.date]]] = {}
    for aid, kind, date in Outcome.objects.filter(account_id__in=ids).values_list("account_id", "kind", "date"):
        outcomes.setdefault(aid, []).append((kind, date))
    reactivated: list[int] = []
    with transaction.atomic():
        rows = Account.objects.select_for_update().filter(pk__in=ids).values_list("pk", "status", "churned_on")
        # One statement per churn date (not per account): the accounts that ended that day.
        ending: dict[dt.date, list[int]] = {}
        newly_ended: dict[dt.date, list[int]] = {}
        for aid, status, churned_on in rows:
            ended = churn_date_of(outcomes.get(aid, ()))
            if ended is not None:
                ending.setdefault(ended, []).append(aid)
                if status != Account.Status.CHURNED or churned_on != ended:
                    newly_ended.setdefault(ended, []).append(aid)
            elif status == Account.Status.CHURNED and churned_on is not None:
                # Churned by an outcome that a later renewal undid (a status set by hand, without an
                # outcome, has no churned_on and is left alone).
                reactivated.append(aid)
        for ended, aids in newly_ended.items():
            counts["ended"] += Account.objects.filter(pk__in=aids).update(
                status=Account.Status.CHURNED, churned_on=ended, updated_at=now)
        for ended, aids in ending.items():
            note = CHURN_NOTE.format(date=ended.isoformat())
            live = Task.objects.filter(account_id__in=aids, status__in=Task.ACTIVE_STATUSES)
            counts["tasks_closed"] += live.update(status=Task.Status.DISMISSED, closed_at=now,
                                                  dismiss_reason=note, updated_at=now)
            removed = ScoreSnapshot.objects.filter(account_id__in=aids, date__gt=ended).delete()[0]
            counts["snapshots_removed"] += removed
            ScoreChange.objects.filter(account_id__in=aids, date__gt=ended).delete()
            if removed:
                history_forget(after=ended, account_ids=aids)
        if reactivated:
            counts["reactivated"] = Account.objects.filter(pk__in=reactivated).update(
                status=Account.Status.ACTIVE, churned_on=None, updated_at=now)
    if reactivated and recompute:
        from scoring.tasks import recompute_enqueue

        recompute_enqueue(reactivated)
    return counts
