"""The book's tier counts on past days, kept once read (``BookTierDay``).

A past day's snapshots only change when history is rewritten (a backfill or rebuild, through
``scoring.writes.scores_write``, or a churn removing the snapshots after it), and both forget the
days they touch, so a stored day is always the aggregate of the snapshots it summarises.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils import timezone

from scoring.models import BookTierDay, ScoreSnapshot

TierRows = dict[str, tuple[int, Decimal]]


def book_tiers_on(dates: Iterable[dt.date], *, today: dt.date) -> dict[dt.date, TierRows]:
    """Accounts and ARR per tier on each of ``dates`` (days before ``today``), for the whole book."""
    past = sorted({d for d in dates if d < today})
    result: dict[dt.date, TierRows] = {d: {} for d in past}
    for row in BookTierDay.objects.filter(date__in=past):
        result[row.date][row.tier] = (row.accounts, row.arr)
    missing = [d for d in past if not result[d]]
    if missing:
        now = timezone.now()
        fresh = (
            ScoreSnapshot.objects.filter(date__in=missing)
            .values("date", "tier")
            .annotate(n=Count("pk"), arr=Sum("account__arr"))
            .order_by()
        )
        rows = []
        for row in fresh:
            arr = row["arr"] or Decimal(0)
            result[row["date"]][row["tier"]] = (row["n"], arr)
            rows.append(BookTierDay(date=row["date"], tier=row["tier"], accounts=row["n"], arr=arr, computed_at=now))
        # A day with no snapshots stores nothing and is simply looked up again (an index probe).
        BookTierDay.objects.bulk_create(rows, ignore_conflicts=True)
    return result


def book_tiers_forget(*, dates: Iterable[dt.date] = (), after: dt.date | None = None) -> None:
    """Drop the stored days whose snapshots were just written or removed."""
    dates = set(dates)
    if dates:
        BookTierDay.objects.filter(date__in=dates).delete()
    if after is not None:
        BookTierDay.objects.filter(date__gt=after).delete()
