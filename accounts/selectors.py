"""Reads for the portfolio table and the account page."""

from __future__ import annotations

import datetime as dt

from django.core.paginator import Page, Paginator
from django.db.models import F, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone

from accounts.access import visible_accounts
from accounts.forms import SORTS
from accounts.models import Account, Contact
from playbooks.models import Task
from scoring.charts import HistoryPoint
from scoring.models import AccountScore, Override, ScoreChange, ScoreSnapshot

HISTORY_DAYS = 365


def filter_query(params, *, drop: tuple[str, ...] = ()) -> str:
    """The request's filters as a query string, without empty values or the keys in ``drop``."""
    query = QueryDict(mutable=True)
    for key, values in params.lists():
        kept = [v for v in values if v.strip()]
        if key not in drop and kept:
            query.setlist(key, kept)
    return query.urlencode()


def page_by_ids(qs: QuerySet, *, number, per_page: int) -> Page:
    """One page of ``qs``: sorted and cut on the ids alone, then only that page's rows loaded with their joins.

    Sorting a big filtered set drags every joined column through the sort;
    sorting the ids and fetching the page's rows by primary key keeps it narrow.
    Three queries whatever the size: count, page ids, page rows.
    """
    page = Paginator(qs.values_list("pk", flat=True), per_page).get_page(number)
    ids = list(page.object_list)
    rows = {row.pk: row for row in qs.order_by().filter(pk__in=ids)} if ids else {}
    page.object_list = [rows[pk] for pk in ids if pk in rows]
    return page


def portfolio_accounts(*, user, filters: dict, today: dt.date) -> QuerySet[Account]:
    """Visible accounts, filtered and sorted, with score, owner and segment joined (one query per page)."""
    # visible_accounts is a plain filter (no DISTINCT), so it composes with the rest directly.
    qs = visible_accounts(user).select_related("score", "owner", "segment")
    status = filters.get("status") or "active"
    if status != "all":
        qs = qs.filter(status=status)
    if filters.get("q"):
        qs = qs.filter(Q(name__icontains=filters["q"]) | Q(external_id__icontains=filters["q"]))
    if filters.get("tier"):
        qs = qs.filter(score__tier=filters["tier"])
    if filters.get("trend"):
        qs = qs.filter(score__trend=filters["trend"])
    if filters.get("segment"):
        qs = qs.filter(segment_id=filters["segment"])
    owner = filters.get("owner")
    if owner == "none":
        qs = qs.filter(owner__isnull=True)
    elif owner:
        qs = qs.filter(owner_id=int(owner))
    if filters.get("renewal"):
        qs = qs.filter(renewal_date__gte=today, renewal_date__lte=today + dt.timedelta(days=int(filters["renewal"])))
    if filters.get("arr_min") is not None:
        qs = qs.filter(arr__gte=filters["arr_min"])
    if filters.get("arr_max") is not None:
        qs = qs.filter(arr__lte=filters["arr_max"])
    sort = filters.get("sort") or "score"
    field = SORTS[sort.lstrip("-")]
    order = F(field).desc(nulls_last=True) if sort.startswith("-") else F(field).asc(nulls_last=True)
    return qs.order_by(order, "name", "pk")


def score_of(account: Account) -> AccountScore | None:
    try:
        return account.score
    except AccountScore.DoesNotExist:
        return None


def history_points(*, account: Account, today: dt.date, days: int = HISTORY_DAYS) -> list[HistoryPoint]:
    rows = (
        ScoreSnapshot.objects.filter(account=account, date__gt=today - dt.timedelta(days=days))
        .order_by("date")
        .values(
            "date", "score", "tier", "override_active", "model_version_id", "model_version__number",
            "model_version__green_threshold", "model_version__yellow_threshold",
        )
    )
    return [
        HistoryPoint(
            date=r["date"], score=r["score"], tier=r["tier"], version=r["model_version__number"],
            version_id=r["model_version_id"], green=r["model_version__green_threshold"],
            yellow=r["model_version__yellow_threshold"], override_active=r["override_active"],
        )
        for r in rows
    ]


def account_detail(*, account: Account, now: dt.datetime) -> dict:
    """Everything the account page shows, a fixed handful of queries."""
    score = score_of(account)
    components = (score.components if score else None) or {}
    signals = sorted(components.get("signals") or [], key=lambda s: -(s.get("points_lost") or 0))
    tasks = list(
        Task.objects.filter(account=account).select_related("playbook", "step", "assignee", "closed_by").order_by("-created_at")[:60]
    )
    live = [t for t in tasks if t.status in Task.ACTIVE_STATUSES]
    past = [t for t in tasks if t.status not in Task.ACTIVE_STATUSES]
    contacts = list(account.contacts.order_by("role", "name"))
    key_roles = (Contact.Role.CHAMPION, Contact.Role.EXECUTIVE_SPONSOR)
    contacts.sort(key=lambda c: (c.role not in key_roles, c.left_at is not None, c.role, c.name))
    tickets = list(account.tickets.order_by(F("solved_at").asc(nulls_first=True), "-updated_at")[:25])
    overrides = list(
        Override.objects.filter(account=account, revoked_at__isnull=True, expires_at__gt=now).select_related("created_by")
    )
    return {
        "score": score,
        "components": components,
        "signals": signals,
        "total_lost": sum(s.get("points_lost") or 0 for s in signals),
        "history": history_points(account=account, today=timezone.localdate(now)),
        "changes": list(ScoreChange.objects.filter(account=account).select_related("model_version").order_by("-date", "-id")[:25]),
        "open_tasks": live,
        "past_tasks": past[:20],
        "contacts": contacts,
        "outcomes": list(account.outcomes.order_by("-date")[:20]),
        "tickets": tickets,
        "open_tickets": sum(1 for t in tickets if t.status in ("open", "pending")),
        "overrides": overrides,
    }
