"""Reads of past days' snapshots, kept once read: the book's tier counts per day (``BookTierDay``) and an
account's tier on a day as the stay measure reads it (``AccountTierDay``).

A past day's snapshots only change when history is rewritten (a backfill or rebuild, through
``scoring.writes.scores_write``, or a churn removing the snapshots after it), and both forget the
days they touch (``history_forget``), so a stored row is always what the snapshots say.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Sum
from django.utils import timezone

from scoring.measures import TOLERANCE_DAYS
from scoring.models import AccountTierDay, BookTierDay, ScoreSnapshot

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


def account_tiers_on(pairs: Iterable[tuple[int, dt.date]], *, today: dt.date, accounts=None
                     ) -> dict[tuple[int, dt.date], str | None]:
    """Each (account, day)'s tier on that day: its snapshot of the day or the latest at most ``TOLERANCE_DAYS``
    earlier; None when there is none. Past days are read from ``AccountTierDay`` (one range read) and the
    ones not stored yet are looked up in the snapshots and kept; today is always looked up.

    ``accounts``: a queryset the pairs' accounts belong to (a team's), narrowing the stored rows read.
    """
    wanted = set(pairs)
    result: dict[tuple[int, dt.date], str | None] = {}
    past = [p for p in wanted if p[1] < today]
    if past:
        stored = AccountTierDay.objects.filter(date__gte=min(d for _, d in past), date__lte=max(d for _, d in past))
        if accounts is not None:
            stored = stored.filter(account__in=accounts)
        for aid, day, tier in stored.values_list("account_id", "date", "tier"):
            if (aid, day) in wanted:
                result[aid, day] = tier
    missing = [p for p in wanted if p not in result]
    looked_up = _tiers_looked_up(missing)
    result.update(looked_up)
    AccountTierDay.objects.bulk_create(
        [AccountTierDay(account_id=aid, date=day, tier=tier) for (aid, day), tier in looked_up.items() if day < today],
        batch_size=5_000, ignore_conflicts=True)
    return result


def _tiers_looked_up(pairs: list[tuple[int, dt.date]], batch: int = 2_000) -> dict[tuple[int, dt.date], str | None]:
    """One statement per ``batch`` pairs: a VALUES list, each row probing the snapshot index once."""
    table = ScoreSnapshot._meta.db_table
    result: dict[tuple[int, dt.date], str | None] = {}
    for i in range(0, len(pairs), batch):
        chunk = pairs[i : i + batch]
        values = ", ".join(["(%s, %s, %s)"] * len(chunk))
        params = [v for aid, day in chunk for v in (aid, day - dt.timedelta(days=TOLERANCE_DAYS), day)]
        sql = (f"WITH p (account_id, lo, hi) AS (VALUES {values}) "
               f"SELECT p.account_id, p.hi, (SELECT s.tier FROM {table} s WHERE s.account_id = p.account_id "
               f"AND s.date >= p.lo AND s.date <= p.hi ORDER BY s.date DESC LIMIT 1) FROM p")
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for aid, day, tier in cursor.fetchall():
                if isinstance(day, str):  # SQLite hands the VALUES date back as text
                    day = dt.date.fromisoformat(day)
                result[aid, day] = tier
    return result


def history_forget(*, dates: Iterable[dt.date] = (), after: dt.date | None = None,
                   account_ids: Iterable[int] | None = None) -> None:
    """Drop what is stored about the past days whose snapshots were just written or removed: the book's counts
    of those days, and every account's tier on them and on the ``TOLERANCE_DAYS`` after (a day's tier reads
    back that far). ``after``: every day after it (``account_ids``: of those accounts only)."""
    dates = set(dates)
    if dates:
        BookTierDay.objects.filter(date__in=dates).delete()
        AccountTierDay.objects.filter(
            date__gte=min(dates), date__lte=max(dates) + dt.timedelta(days=TOLERANCE_DAYS)).delete()
    if after is not None:
        BookTierDay.objects.filter(date__gt=after).delete()
        tiers = AccountTierDay.objects.filter(date__gt=after)
        if account_ids is not None:
            tiers = tiers.filter(account_id__in=list(account_ids))
        tiers.delete()
