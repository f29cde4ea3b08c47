"""Reads for the API, badges and the ticket view."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Case, IntegerField, QuerySet, Value, When

from accounts.models import Account, AccountDomain, Contact
from scoring.models import AccountScore, ScoreSnapshot, Tier
from support.models import Ticket

TREND_ARROWS = {"rapid_decline": "⇊", "gradual_decline": "↘", "stable": "→", "improving": "↗"}


def account_score_get(*, account: Account) -> AccountScore | None:
    return AccountScore.objects.select_related("model_version").filter(account=account).first()


def _freshness(score: AccountScore) -> dict[str, Any]:
    signals = (score.components or {}).get("signals") or []
    newest = [s.get("newest_at") for s in signals if s.get("newest_at")]
    return {
        "computed_at": score.computed_at,
        "newest_observation_at": max(newest) if newest else None,
        "stale_signals": [s.get("key") for s in signals if s.get("status") == "stale"],
        "missing_signals": [s.get("key") for s in signals if s.get("status") == "missing"],
    }


def _owner(account: Account, *, people: bool = True) -> dict[str, str] | None:
    owner = account.owner
    if owner is None:
        return None
    email = owner.email if people else ""
    return {"username": owner.username, "name": owner.get_full_name() or owner.username, "email": email}


def account_health(*, account: Account, people: bool = True) -> dict[str, Any]:
    """Score, tier, trend, deltas, reasons, components, freshness and owner of one account.

    ``people=False`` (API tokens: capability READ_PEOPLE) leaves out the owner's email and a flag's
    note, which are about people, not the account's health.
    """
    score = account_score_get(account=account)
    base = {"account": {"external_id": account.external_id, "name": account.name}, "owner": _owner(account, people=people)}
    if score is None:
        return base | {
            "has_score": False, "enough_data": False, "score": None, "tier": None, "raw_tier": None, "trend": None,
            "deltas": {"d7": None, "d30": None, "d90": None}, "top_reasons": [], "components": [],
            "override": None, "model_version": None, "freshness": None,
        }  # fmt: skip
    components = score.components or {}
    return base | {
        "has_score": True,
        "enough_data": bool(score.tier),
        "score": round(score.score, 1),
        "tier": score.tier or None,
        "raw_tier": score.raw_tier or None,
        "trend": score.trend,
        "deltas": {"d7": score.delta_7, "d30": score.delta_30, "d90": score.delta_90},
        "top_reasons": list(components.get("top_reasons") or []),
        "components": list(components.get("signals") or []),
        "override": _override(components.get("override"), people=people),
        "model_version": score.model_version.number,
        "freshness": _freshness(score),
    }


def _override(data: dict | None, *, people: bool) -> dict | None:
    if data is None or people:
        return data
    return {k: v for k, v in data.items() if k != "note"}


def account_history(*, account: Account, since: dt.date) -> QuerySet[ScoreSnapshot]:
    return (
        ScoreSnapshot.objects.filter(account=account, date__gte=since)
        .select_related("model_version")
        .order_by("date")
    )


def account_by_email_or_domain(*, email: str | None = None, domain: str | None = None) -> Account | None:
    """The account a person belongs to: a contact with this email first, else the email's domain."""
    if email:
        email = email.strip().lower()
        contact = Contact.objects.filter(email__iexact=email).select_related("account").order_by("pk").first()
        if contact is not None:
            return contact.account
        domain = email.rpartition("@")[2]
    if domain:
        match = AccountDomain.objects.filter(domain=domain.strip().lower()).select_related("account").first()
        return match.account if match else None
    return None


_TIER_ORDER = Case(
    When(account__score__tier=Tier.RED, then=Value(0)),
    When(account__score__tier=Tier.YELLOW, then=Value(1)),
    When(account__score__tier=Tier.GREEN, then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)


def tickets_for_queue(
    *, accounts: QuerySet[Account], include_unmatched: bool, tier: str | None = None, status: str | None = None
) -> QuerySet[Ticket]:
    """Tickets of the given accounts, red-account tickets first, then most recently updated."""
    qs = Ticket.objects.filter(account__in=accounts)
    if include_unmatched and not tier:
        qs = Ticket.objects.filter(account__in=accounts) | Ticket.objects.filter(account__isnull=True)
    if tier == "none":
        qs = qs.filter(account__score__isnull=True)
    elif tier:
        qs = qs.filter(account__score__tier=tier)
    if status == "active":
        qs = qs.filter(status__in=Ticket.OPEN_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    return (
        qs.select_related("account__score", "account__owner")
        .annotate(tier_order=_TIER_ORDER)
        .order_by("tier_order", "-updated_at", "-pk")
    )
