"""Ticket writes and the support signals derived from them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Avg, Count, Min, Q, Value
from django.db.models.functions import Lower, StrIndex, Substr
from django.utils import timezone

from accounts.models import Account, AccountDomain, Contact
from scoring.models import Observation, SignalDefinition
from scoring.tasks import recompute_enqueue
from support.adapters import TicketData, domain_forms
from support.models import Ticket

TICKET_SOURCE = "tickets"
SUPPORT_SIGNAL_KEYS = ("open_tickets", "ticket_age_days", "escalations", "csat")
SIGNAL_WINDOW = dt.timedelta(days=30)


class TicketAccountError(Exception):
    def __init__(self, field_name: str, message: str):
        self.field = field_name
        self.message = message
        super().__init__(message)


@dataclass
class TicketsResult:
    tickets: list[Ticket] = field(default_factory=list)
    created: list[bool] = field(default_factory=list)
    account_ids: list[int] = field(default_factory=list)
    # Per ticket: True when the delivery was older than the stored ticket (by the vendor's updated_at)
    # and so changed nothing.
    stale: list[bool] = field(default_factory=list)


def _accounts_by_email(emails: set[str]) -> dict[str, int]:
    """Requester email → account id: a contact's email wins over the email's domain."""
    emails = {e for e in emails if e}
    if not emails:
        return {}
    domains = {form for e in emails for form in domain_forms(e.rpartition("@")[2])}
    by_domain = {
        form: account_id
        for domain, account_id in AccountDomain.objects.filter(domain__in=domains).values_list("domain", "account_id")
        for form in domain_forms(domain)
    }
    by_contact = dict(
        Contact.objects.annotate(email_l=Lower("email"))
        .filter(email_l__in=emails)
        .order_by("-pk")
        .values_list("email_l", "account_id")
    )
    out = {}
    for email in emails:
        account_id = by_contact.get(email) or by_domain.get(email.rpartition("@")[2])
        if account_id is not None:
            out[email] = account_id
    return out


def _lock_tickets(source: str, external_ids: list[str]) -> None:
    """PostgreSQL: upserts of the same ticket take turns (a transaction-scoped advisory lock per
    ticket, taken in one order), so of two identical webhooks at once exactly one answers
    "created" and the other sees its row. SQLite writers are serialised already (BEGIN IMMEDIATE)."""
    if connection.vendor != "postgresql" or not external_ids:
        return
    keys = sorted({f"ticket|{source}|{e}" for e in external_ids})
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest(%s::text[]) AS k ORDER BY k",
                       [keys])


@transaction.atomic
def tickets_upsert(
    *, source: str, tickets: list[TicketData], now: dt.datetime | None = None, account_restriction: int | None = None
) -> TicketsResult:
    """Store tickets by (source, external id), match them to accounts, refresh the support signals.

    With ``account_restriction`` every ticket must belong to that account.
    """
    now = now or timezone.now()
    named = {t.account_external_id for t in tickets if t.account_external_id}
    by_external = dict(Account.objects.filter(external_id__in=named).values_list("external_id", "pk"))
    unknown = named - set(by_external)
    if unknown:
        raise TicketAccountError("account", "unknown account " + ", ".join(repr(u) for u in sorted(unknown)))
    by_email = _accounts_by_email({t.requester_email for t in tickets})
    external_ids = [t.external_id for t in tickets]
    # A ticket not stored yet has no row to lock: the advisory lock covers it too.
    _lock_tickets(source, external_ids)
    # Locked, so two deliveries of one ticket are ordered by the vendor's updated_at, not by arrival.
    held = {
        row["external_id"]: row
        for row in Ticket.objects.select_for_update()
        .filter(source=source, external_id__in=external_ids)
        .values("external_id", "account_id", "updated_at", "escalated", "first_response_at")
    }
    previous = {external_id: row["account_id"] for external_id, row in held.items()}
    stale = {
        data.external_id
        for data in tickets
        if data.external_id in held and data.updated_at is not None and data.updated_at < held[data.external_id]["updated_at"]
    }
    if account_restriction is not None:
        # A restricted token may create tickets and update its own, never take over a ticket stored
        # for another account (or for none): upserting on (source, id) would move it (#12).
        if any(account_id != account_restriction for account_id in previous.values()):
            raise TicketAccountError("external_id", "this token may only write tickets of its own account")
    rows = []
    for data in tickets:
        if data.external_id in stale:
            continue
        escalated = data.escalated
        if escalated is None:  # the delivery does not say: keep what we hold
            escalated = bool(held.get(data.external_id, {}).get("escalated", False))
        account_id = by_external.get(data.account_external_id) or by_email.get(data.requester_email)
        if account_restriction is not None and account_id != account_restriction:
            raise TicketAccountError("account", "this token may only write tickets of its own account")
        rows.append(
            Ticket(
                source=source, external_id=data.external_id, account_id=account_id,
                requester_email=data.requester_email, subject=data.subject, status=data.status,
                priority=data.priority, escalated=escalated, csat=data.csat, opened_at=data.opened_at,
                updated_at=data.updated_at, solved_at=data.solved_at, url=data.url, raw=data.raw,
                first_response_at=data.first_response_at or held.get(data.external_id, {}).get("first_response_at"),
            )
        )  # fmt: skip
    update_fields = [
        "account", "requester_email", "subject", "status", "priority", "escalated", "csat", "opened_at",
        "updated_at", "solved_at", "first_response_at", "url", "raw",
    ]  # fmt: skip
    # The same ticket twice in one batch: the last one wins (one row per conflict target).
    rows = list({r.external_id: r for r in rows}.values())
    if rows:
        Ticket.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["source", "external_id"], update_fields=update_fields
        )
    stored = {
        t.external_id: t
        for t in Ticket.objects.filter(source=source, external_id__in=external_ids).select_related("account")
    }
    changed = {r.external_id for r in rows}
    touched = {r.account_id for r in rows if r.account_id} | {a for e, a in previous.items() if a and e in changed}
    seen = set(previous)
    result = TicketsResult(account_ids=sorted(touched))
    for data in tickets:  # a ticket repeated in the batch is created once, then updated
        result.tickets.append(stored[data.external_id])
        result.created.append(data.external_id not in seen)
        result.stale.append(data.external_id in stale)
        seen.add(data.external_id)
    support_signals_refresh(account_ids=result.account_ids, now=now)
    return result


def tickets_rematch(
    *, emails: set[str] = frozenset(), domains: set[str] = frozenset(), now: dt.datetime | None = None
) -> int:
    """Match unmatched tickets to the account a newly added contact email or domain names.

    Called by every path that adds contacts or domains (API, admin, imports), once per batch: one read
    of the unmatched tickets, one update per account matched. Returns the tickets matched.
    """
    emails = {e.strip().lower() for e in emails if e and e.strip()}
    domains = {form for d in domains if d and d.strip() for form in domain_forms(d.strip())}
    if not emails and not domains:
        return 0
    # The fitting tickets are found by the database (their email, or the part after its @), not by
    # reading every unmatched ticket into Python on every contact or domain write.
    lowered = Lower("requester_email")
    fitting = [
        (pk, email)
        for pk, email in Ticket.objects.filter(account__isnull=True).exclude(requester_email="")
        .annotate(email_l=lowered, domain_l=Substr(lowered, StrIndex(lowered, Value("@")) + 1))
        .filter(Q(email_l__in=emails) | Q(domain_l__in=domains))
        .values_list("pk", "email_l")
    ]  # fmt: skip
    if not fitting:
        return 0
    by_email = _accounts_by_email({email for _, email in fitting})
    updates: dict[int, list[int]] = {}
    for pk, email in fitting:
        account_id = by_email.get(email)
        if account_id is not None:
            updates.setdefault(account_id, []).append(pk)
    with transaction.atomic():
        for account_id, pks in updates.items():
            Ticket.objects.filter(pk__in=pks, account__isnull=True).update(account_id=account_id)
        if updates:
            support_signals_refresh(account_ids=sorted(updates), now=now or timezone.now())
    return sum(len(pks) for pks in updates.values())


def support_signals_refresh(*, account_ids: list[int], now: dt.datetime) -> int:
    """Write today's support observations (one per account, signal and day) for the given accounts.

    Only signal definitions that exist are written; a value that changes during
    the day updates that day's observation in place. Returns the rows written.
    """
    signals = dict(
        SignalDefinition.objects.filter(key__in=SUPPORT_SIGNAL_KEYS, active=True).values_list("key", "pk")
    )
    if not account_ids or not signals:
        return 0
    cutoff = now - SIGNAL_WINDOW
    stats = {
        row["account_id"]: row
        for row in Ticket.objects.filter(account_id__in=account_ids)
        .values("account_id")
        .annotate(
            open=Count("pk", filter=Q(status__in=Ticket.OPEN_STATUSES)),
            oldest_open=Min("opened_at", filter=Q(status__in=Ticket.OPEN_STATUSES)),
            escalations=Count("pk", filter=Q(escalated=True, updated_at__gte=cutoff)),
            csat=Avg("csat", filter=Q(csat__isnull=False, updated_at__gte=cutoff)),
        )
    }
    day = timezone.localdate(now).isoformat()
    rows = []
    for account_id in account_ids:
        row = stats.get(account_id) or {"open": 0, "oldest_open": None, "escalations": 0, "csat": None}
        oldest = row["oldest_open"]
        values = {
            "open_tickets": float(row["open"]),
            "ticket_age_days": round(max((now - oldest).total_seconds(), 0) / 86400, 2) if oldest else 0.0,
            "escalations": float(row["escalations"]),
            "csat": round(row["csat"], 2) if row["csat"] is not None else None,
        }
        for key, signal_id in signals.items():
            if values[key] is None:
                continue
            rows.append(
                Observation(
                    account_id=account_id, signal_id=signal_id, value=values[key], observed_at=now,
                    source=TICKET_SOURCE, idempotency_key=f"{TICKET_SOURCE}|{account_id}|{key}|{day}",
                )
            )  # fmt: skip
    Observation.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["idempotency_key"], update_fields=["value", "observed_at"]
    )
    from scoring.derived import derived_refresh  # resolution time, 90-day escalations, CSAT trend

    derived_refresh(account_ids=account_ids, now=now, relationship=False)
    recompute_enqueue(account_ids)
    return len(rows)
