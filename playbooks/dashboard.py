"""Reads for the manager dashboard. Each block is one aggregate query (set-based)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

from django.db.models import Count, Min, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.access import sees_whole_book, visible_accounts
from accounts.models import Account, Outcome
from accounts.timeline import day_start
from playbooks.models import Task
from playbooks.selectors import live_tasks_q
from scoring.charts import tier_share_bars
from scoring.measures import STAY_DAYS, stay_counts, stay_outcome
from scoring.models import ScoreChange, ScoreSnapshot, Tier
from scoring.rollups import account_tiers_on, book_tiers_on
from scoring.validation import red_intervention_q

TIERS = [Tier.GREEN, Tier.YELLOW, Tier.RED]
RENEWAL_WINDOWS = [(0, 30), (31, 60), (61, 90)]
RECOVERY_DAYS = STAY_DAYS
DEFAULT_LOOKBACK_DAYS = 365


def _month_ends(today: dt.date, months: int) -> list[dt.date]:
    """The last day of each of the ``months`` previous months, oldest first."""
    ends = []
    first = today.replace(day=1)
    for _ in range(months):
        end = first - dt.timedelta(days=1)
        ends.append(end)
        first = end.replace(day=1)
    return list(reversed(ends))


def _shares(rows: dict[str, tuple[int, Decimal]]) -> dict:
    total_n = sum(n for n, _ in rows.values())
    total_arr = sum((arr for _, arr in rows.values()), Decimal(0))
    return {
        "total": total_n,
        "total_arr": total_arr,
        "tiers": [
            {
                "tier": tier,
                "count": rows.get(tier, (0, 0))[0],
                "arr": rows.get(tier, (0, Decimal(0)))[1],
                "share": rows.get(tier, (0, 0))[0] / total_n if total_n else 0.0,
                "arr_share": float(rows.get(tier, (0, Decimal(0)))[1] / total_arr) if total_arr else 0.0,
            }
            for tier in TIERS
        ],
    }


def _renewal_window(lo: int, hi: int, today: dt.date) -> Q:
    return Q(renewal_date__gte=today + dt.timedelta(days=lo), renewal_date__lte=today + dt.timedelta(days=hi))


def book_now(*, accounts, today: dt.date) -> dict[str, dict]:
    """Per current tier of the active scored accounts: count, ARR, and ARR and count renewing in each
    renewal window — one pass over accounts ⋈ scores serving both the "Now" bar and the ARR at risk."""
    windows = {f"w{lo}_{hi}": Sum("arr", filter=_renewal_window(lo, hi, today)) for lo, hi in RENEWAL_WINDOWS}
    counts = {f"n{lo}_{hi}": Count("pk", filter=_renewal_window(lo, hi, today)) for lo, hi in RENEWAL_WINDOWS}
    rows = (
        accounts.filter(status=Account.Status.ACTIVE, score__isnull=False)
        .values("score__tier")
        .annotate(n=Count("pk"), arr_total=Sum("arr"), **windows, **counts)
        .order_by()
    )
    return {row["score__tier"]: row for row in rows}


def tier_distribution(*, accounts, today: dt.date, now_rows: dict[str, dict], whole_book: bool,
                      months: int = 6) -> list[dict]:
    """Share of accounts and ARR per tier for past month ends (from snapshots) and now (current scores).

    For the whole book the month ends come from ``BookTierDay`` (read once, ``scoring.rollups``);
    for a narrower set of accounts, from their snapshots."""
    ends = _month_ends(today, months)
    if whole_book:
        by_date = book_tiers_on(ends, today=today)
    else:
        by_date = {end: {} for end in ends}
        past = (
            ScoreSnapshot.objects.filter(date__in=ends, account__in=accounts)
            .values("date", "tier")
            .annotate(n=Count("pk"), arr=Sum("account__arr"))
            .order_by()
        )
        for row in past:
            by_date[row["date"]][row["tier"]] = (row["n"], row["arr"] or Decimal(0))
    current = {tier: (row["n"], row["arr_total"] or Decimal(0)) for tier, row in now_rows.items()}
    series = [{"label": f"{end:%b %Y}", "date": end, **_shares(by_date.get(end, {}))} for end in ends]
    series.append({"label": "Now", "date": today, **_shares(current)})
    return series


def arr_at_risk(*, now_rows: dict[str, dict]) -> list[dict]:
    """ARR renewing in the next 0–30, 31–60 and 61–90 days, split by tier (from ``book_now``)."""
    table = []
    for lo, hi in RENEWAL_WINDOWS:
        key = f"{lo}_{hi}"
        cells = [
            {"tier": tier, "arr": (now_rows.get(tier) or {}).get(f"w{key}") or Decimal(0),
             "count": (now_rows.get(tier) or {}).get(f"n{key}") or 0}
            for tier in TIERS
        ]
        at_risk = sum((c["arr"] for c in cells if c["tier"] in (Tier.RED, Tier.YELLOW)), Decimal(0))
        table.append({"label": f"{lo}–{hi} days", "cells": cells, "at_risk": at_risk})
    return table


def team_workload(*, now: dt.datetime) -> list[dict]:
    """Live and overdue tasks per assignee (the unassigned queue as one row), in one query."""
    rows = (
        Task.objects.filter(live_tasks_q(now))
        .values("assignee", "assignee__username", "assignee__first_name", "assignee__last_name")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now)), high=Count("pk", filter=Q(severity="high")))
        .order_by("-overdue", "-open")
    )
    result = []
    for row in rows:
        if row["assignee"] is None:
            name = "Unassigned (team queues)"
        else:
            name = f"{row['assignee__first_name']} {row['assignee__last_name']}".strip() or row["assignee__username"]
        result.append({"id": row["assignee"], "name": name, "open": row["open"], "overdue": row["overdue"], "high": row["high"]})
    return result


def intervention_outcome(*, accounts, today: dt.date, whole_book: bool = False) -> dict:
    """Of the red accounts with a completed red intervention, how many *stayed* — the
    definition in ``scoring.measures`` (not churned and not red 60 days after completion),
    the same one the Validation page and ``manage.py backtest`` use.

    Per account its first intervention completed in the last year plus 60 days; pending
    (day 60 not reached) and no-evidence cases are left out of the share. Three reads: the
    interventions, the churns, and each first intervention's tier on day 60 (``account_tiers_on``:
    kept once read, so a view does not probe the snapshots ~10,000 times at 100,000 accounts).
    """
    start = today - dt.timedelta(days=DEFAULT_LOOKBACK_DAYS + RECOVERY_DAYS)
    # From the start of that local day: a range of the closing-time index (``closed_at__date`` is not).
    interventions = Task.objects.filter(red_intervention_q(), closed_at__gte=day_start(start))
    churns = Outcome.objects.filter(kind=Outcome.Kind.CHURNED, date__gte=start)
    if not whole_book:
        interventions = interventions.filter(account__in=accounts)
        churns = churns.filter(account__in=accounts)
    # The first closing day per account, grouped in SQL; the local day (TruncDate), not the timestamps:
    # loading ~14,000 timestamptz values into aware datetimes cost more than the query at 100,000 accounts.
    first = dict(interventions.values("account_id").annotate(first=Min(TruncDate("closed_at")))
                 .order_by().values_list("account_id", "first"))
    churned_on: dict[int, list[dt.date]] = {}
    for account_id, day in churns.values_list("account_id", "date"):
        if account_id in first:
            churned_on.setdefault(account_id, []).append(day)
    ends = {aid: closed + dt.timedelta(days=RECOVERY_DAYS) for aid, closed in first.items()}
    tiers = account_tiers_on(((aid, end) for aid, end in ends.items() if end <= today), today=today,
                             accounts=None if whole_book else accounts)
    # Many accounts share a closing day and a tier on day 60: each distinct case is judged once.
    cases = Counter((closed, tiers.get((aid, ends[aid])), tuple(churned_on.get(aid, ())))
                    for aid, closed in first.items())
    judged = Counter()
    for (closed, tier, churns_of), n in cases.items():
        judged[stay_outcome(closed=closed, as_of=today, tier_at_end=tier, churned_on=churns_of)] += n
    counts = stay_counts(judged.elements())
    return {
        "treated": counts.treated,
        "recovered": counts.stayed,
        "stayed": counts.stayed,
        "pending": counts.pending,
        "no_evidence": counts.no_evidence,
        "share": counts.share,
    }


def dashboard_data(*, user, now: dt.datetime) -> dict:
    today = timezone.localdate(now)
    accounts = visible_accounts(user)
    now_rows = book_now(accounts=accounts, today=today)
    distribution = tier_distribution(accounts=accounts, today=today, now_rows=now_rows,
                                     whole_book=sees_whole_book(user))
    changes = (
        ScoreChange.objects.filter(tier_changed=True, date__gte=today - dt.timedelta(days=6), account__in=accounts)
        .select_related("account", "account__owner")
        .order_by("-date", "-id")[:50]
    )
    return {
        "now": now,
        "distribution": distribution,
        "current": distribution[-1],
        "count_chart": tier_share_bars(distribution, measure="share", title="Share of accounts per tier"),
        "arr_chart": tier_share_bars(distribution, measure="arr_share", title="Share of ARR per tier"),
        "tier_changes": list(changes),
        "risk": arr_at_risk(now_rows=now_rows),
        "workload": team_workload(now=now),
        "outcome": intervention_outcome(accounts=accounts, today=today, whole_book=sees_whole_book(user)),
    }
