"""Relationship and support signals the product derives itself (from contacts and tickets).

The seed guides rank them highest, yet no system pushes them: champion stability,
multi-threading, support resolution, escalations, CSAT direction. Each refresh writes one
observation per account, signal and day (source ``derived``; a later value the same day
updates it in place), and the engine scores them like any other signal. Set-based: one
aggregate query per source table for the whole set of accounts.

Signals (created by ``derived_signals_create``; weighted in the standard model's derived
block, ``DERIVED_SIGNAL_WEIGHTS``; an account without the source data gets no observation,
so the signal is excluded for it — never a zero for a CRM that has no contacts):

- ``champion_coverage`` (relationship): 1 while a champion is in role; 0 once a champion
  left (``Contact.left_at``) and no other champion took the role within
  ``CHAMPION_GRACE_DAYS`` (14) of the departure. A playbook rule "Champion coverage below
  1" opens the champion playbook (``playbooks.rules``, signal conditions).
- ``engaged_contacts`` (relationship): contacts in role today (multi-threading: one is
  fragile, five is healthy).
- ``exec_sponsor_touch_days`` (relationship): days since an executive sponsor in role was last
  touched (``Contact.last_touch_at``, the CRM's last activity; 002/003: "when did the executive
  sponsor last engage?"); no value without a sponsor touch on record.
- ``csm_sentiment`` (relationship): the CSM's quick 1–5 on the account page (``sentiment_record``:
  an observation of source ``csm``, one per CSM and day, audited); its latest value over 90 days
  (the guides' structured qualitative signal, 004), shown trended on the account page.
- ``ticket_first_response_hours`` (support): mean hours from opening to the team's first reply
  (``Ticket.first_response_at``) over the tickets opened in the last 90 days that have one.
- ``ticket_resolution_days`` (support): mean days from opening to solving over the tickets
  solved in the last 90 days.
- ``escalations_90d`` (support): tickets escalated among those opened in the last 90 days.
- ``csat_trend`` (support): mean CSAT (0–100) of the last 90 days minus that of the 90 before
  (direction matters more than the level, 002).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db.models import Avg, Count, F, Q
from django.utils import timezone

from accounts.models import Contact
from scoring.models import Observation, SignalDefinition

SOURCE = "derived"
CHAMPION_GRACE_DAYS = 14
WINDOW = dt.timedelta(days=90)

# key, label, category, direction, bad, good, aggregation, window, half-life, missing, unit, description
DERIVED_SIGNALS = [
    ("champion_coverage", "Champion in role", "relationship", "higher", 0, 1, "latest", 30, None, "exclude", "",
     "1 while a champion is in role; 0 once one left with no successor within 14 days."),
    ("engaged_contacts", "Engaged contacts", "relationship", "higher", 1, 5, "latest", 30, None, "exclude", "contacts",
     "Contacts in role today (multi-threading)."),
    ("exec_sponsor_touch_days", "Executive sponsor last touch", "relationship", "lower", 120, 14, "latest", 30, None,
     "exclude", "days", "Days since an executive sponsor in role was last met or replied."),
    ("csm_sentiment", "CSM sentiment", "relationship", "higher", 1, 5, "latest", 90, None, "exclude", "of 5",
     "The CSM's 1–5 on the account page (1: about to leave, 5: advocate); latest of the last 90 days."),
    ("ticket_first_response_hours", "Ticket first response", "support", "lower", 48, 2, "latest", 30, None, "exclude",
     "hours", "Mean hours from opening to the first reply, tickets opened in the last 90 days."),
    ("ticket_resolution_days", "Ticket resolution time", "support", "lower", 14, 1, "latest", 30, None, "exclude", "days",
     "Mean days from opening to solving, tickets solved in the last 90 days."),
    ("escalations_90d", "Escalations (90 days)", "support", "lower", 3, 0, "latest", 30, None, "exclude", "tickets",
     "Tickets escalated among those opened in the last 90 days."),
    ("csat_trend", "CSAT trend", "support", "higher", -20, 10, "latest", 30, None, "exclude", "points",
     "Mean CSAT of the last 90 days minus the 90 before."),
]
# The standard model's derived block: weights inside their categories, beside the engine's own
# signals (relationship: NPS 100; support: open tickets 50, oldest ticket 50).
DERIVED_SIGNAL_WEIGHTS = {
    "champion_coverage": 100, "engaged_contacts": 50, "exec_sponsor_touch_days": 50, "csm_sentiment": 50,
    "ticket_first_response_hours": 30,
    "ticket_resolution_days": 30, "escalations_90d": 30,
    "csat_trend": 20,
}


def derived_signals_create() -> dict[str, SignalDefinition]:
    from scoring.standard import signal_defaults

    return {
        row[0]: SignalDefinition.objects.update_or_create(key=row[0], defaults=signal_defaults(row))[0]
        for row in DERIVED_SIGNALS
    }


def relationship_values(account_ids: Sequence[int], today: dt.date) -> dict[int, dict[str, float]]:
    """champion_coverage, engaged_contacts and exec_sponsor_touch_days per account (one query over contacts)."""
    rows = Contact.objects.filter(account_id__in=list(account_ids)).values_list(
        "account_id", "role", "in_role_since", "left_at", "last_touch_at"
    )
    contacts: dict[int, list[tuple[str, dt.date | None, dt.date | None]]] = {}
    touches: dict[int, list[dt.date]] = {}
    for account_id, role, since, left, touch in rows:
        contacts.setdefault(account_id, []).append((role, since, left))
        if role == Contact.Role.EXECUTIVE_SPONSOR and touch is not None and touch <= today and (left is None or left > today):
            touches.setdefault(account_id, []).append(touch)
    out: dict[int, dict[str, float]] = {}
    for account_id, people in contacts.items():
        in_role = [p for p in people if p[2] is None or p[2] > today]
        values = {"engaged_contacts": float(len(in_role))}
        if account_id in touches:
            values["exec_sponsor_touch_days"] = float((today - max(touches[account_id])).days)
        champions = [p for p in people if p[0] == Contact.Role.CHAMPION]
        if any(p in in_role for p in champions):
            values["champion_coverage"] = 1.0
        elif champions:
            last_left = max(p[2] for p in champions)
            values["champion_coverage"] = 0.0 if (today - last_left).days >= CHAMPION_GRACE_DAYS else 1.0
        out[account_id] = values
    return out


def support_values(account_ids: Sequence[int], now: dt.datetime) -> dict[int, dict[str, float]]:
    """Resolution time, 90-day escalations and CSAT trend per account (one query over tickets)."""
    from support.models import Ticket

    recent, before = now - WINDOW, now - 2 * WINDOW
    rows = (
        Ticket.objects.filter(account_id__in=list(account_ids), updated_at__gte=before)
        .values("account_id")
        .annotate(
            resolution=Avg(F("solved_at") - F("opened_at"), filter=Q(solved_at__gte=recent, solved_at__lte=now)),
            first_response=Avg(F("first_response_at") - F("opened_at"),
                               filter=Q(opened_at__gte=recent, first_response_at__isnull=False, first_response_at__lte=now)),
            escalations=Count("pk", filter=Q(escalated=True, opened_at__gte=recent)),
            opened=Count("pk", filter=Q(opened_at__gte=recent)),
            csat_now=Avg("csat", filter=Q(csat__isnull=False, updated_at__gte=recent)),
            csat_before=Avg("csat", filter=Q(csat__isnull=False, updated_at__lt=recent)),
        )
    )
    out: dict[int, dict[str, float]] = {}
    for row in rows:
        values: dict[str, float] = {}
        if row["resolution"] is not None:
            values["ticket_resolution_days"] = round(row["resolution"].total_seconds() / 86400, 2)
        if row["first_response"] is not None:
            values["ticket_first_response_hours"] = round(row["first_response"].total_seconds() / 3600, 2)
        if row["opened"]:
            values["escalations_90d"] = float(row["escalations"])
        if row["csat_now"] is not None and row["csat_before"] is not None:
            values["csat_trend"] = round(row["csat_now"] - row["csat_before"], 2)
        out[row["account_id"]] = values
    return out


def _write(values: dict[int, dict[str, float]], now: dt.datetime) -> int:
    signals = dict(SignalDefinition.objects.filter(key__in=[r[0] for r in DERIVED_SIGNALS], active=True).values_list("key", "pk"))
    day = timezone.localdate(now).isoformat()
    rows = [
        Observation(account_id=account_id, signal_id=signals[key], value=value, observed_at=now, source=SOURCE,
                    idempotency_key=f"{SOURCE}|{account_id}|{key}|{day}")
        for account_id, by_key in values.items() for key, value in by_key.items() if key in signals
    ]
    Observation.objects.bulk_create(rows, update_conflicts=True, unique_fields=["idempotency_key"],
                                    update_fields=["value", "observed_at"])
    return len(rows)


def derived_refresh(*, account_ids: Sequence[int], now: dt.datetime, relationship: bool = True,
                    support: bool = True) -> int:
    """Write today's derived observations for these accounts; returns the rows written."""
    if not account_ids:
        return 0
    values: dict[int, dict[str, float]] = {}
    if relationship:
        for account_id, by_key in relationship_values(account_ids, timezone.localdate(now)).items():
            values.setdefault(account_id, {}).update(by_key)
    if support:
        for account_id, by_key in support_values(account_ids, now).items():
            values.setdefault(account_id, {}).update(by_key)
    return _write(values, now)


SENTIMENT_SOURCE = "csm"
SENTIMENT_WORDS = {1: "About to leave", 2: "Unhappy", 3: "Neutral", 4: "Happy", 5: "Advocate"}


def sentiment_record(*, account, actor, value: int, now: dt.datetime) -> Observation:
    """The CSM's 1–5 for this account today: one observation per CSM and day (a second rating the
    same day replaces the first), audited (before/after), and its recompute asked for in the same
    transaction (a durable ``RecomputeRequest``: a caller's immediate recompute is only a speed-up)."""
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from scoring.audit import audit_record, snapshot
    from scoring.tasks import recompute_enqueue

    if value not in SENTIMENT_WORDS:
        raise ValidationError({"value": "Sentiment is a whole number from 1 to 5."})
    signal = SignalDefinition.objects.filter(key="csm_sentiment", active=True).first()
    if signal is None:
        raise ValidationError("The CSM sentiment signal is not set up (derived_signals_create).")
    key = f"{SENTIMENT_SOURCE}|{account.pk}|{actor.pk}|{timezone.localdate(now).isoformat()}"
    with transaction.atomic():
        held = Observation.objects.select_for_update().filter(idempotency_key=key).first()
        before = snapshot(held) if held else None
        obs, _ = Observation.objects.update_or_create(
            idempotency_key=key,
            defaults=dict(account=account, signal=signal, value=float(value), observed_at=now, source=SENTIMENT_SOURCE),
        )
        audit_record(actor=actor, action="update" if held else "create", obj=obs, before=before, after=snapshot(obs))
        recompute_enqueue([account.pk])
    return obs


def sentiment_trend(account, limit: int = 8) -> list[dict]:
    """The account's latest CSM ratings, newest first, with who rated and the word for the value."""
    rows = (
        Observation.objects.filter(account=account, signal__key="csm_sentiment", source=SENTIMENT_SOURCE)
        .order_by("-observed_at")
        .values_list("observed_at", "value", "idempotency_key")[:limit]
    )
    from django.contrib.auth import get_user_model

    users = {}
    ids = {int(k.split("|")[2]) for _, _, k in rows if k.count("|") == 3}
    for user in get_user_model().objects.filter(pk__in=ids):
        users[user.pk] = user.get_full_name() or user.get_username()
    out = []
    for at, value, key in rows:
        parts = key.split("|")
        out.append({"at": at, "value": int(value), "word": SENTIMENT_WORDS.get(int(value), ""),
                    "by": users.get(int(parts[2])) if len(parts) == 4 else ""})
    return out
