"""One account's story in one stream: score changes, tasks, notes, tickets, outcomes and flags.

Each source is read once (a handful of queries whatever the account's age), newest first, and
merged in Python by time. Dates without a time (score changes, outcomes) sort at the start of
their day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from accounts.models import Account, AccountNote
from playbooks.models import Task
from scoring.models import Override, ScoreChange

PER_SOURCE = 60  # the newest entries of each source: enough for months of history on one page


@dataclass(frozen=True)
class Entry:
    at: dt.datetime
    kind: str  # score, task, note, ticket, outcome, flag
    title: str
    detail: str = ""
    tier: str = ""
    who: str = ""


def day_start(day: dt.date) -> dt.datetime:
    """The first instant of ``day`` in the site's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_current_timezone())


def _name(user) -> str:
    return (user.get_full_name() or user.username) if user is not None else ""


def account_timeline(*, account: Account, limit: int = 120) -> list[Entry]:
    entries: list[Entry] = []
    for c in ScoreChange.objects.filter(account=account).order_by("-date", "-id")[:PER_SOURCE]:
        moved = f"{c.from_score:.0f} → {c.to_score:.0f}" if c.from_score is not None else f"scored {c.to_score:.0f}"
        title = f"Score {moved}" + (f", now {c.to_tier}" if c.tier_changed else "")
        entries.append(Entry(day_start(c.date), "score", title, c.summary, tier=c.to_tier if c.tier_changed else ""))
    tasks = Task.objects.filter(account=account).select_related("playbook", "closed_by").order_by("-created_at")
    for t in tasks[:PER_SOURCE]:
        entries.append(Entry(t.created_at, "task", f"Task opened: {t.title}", t.playbook.name))
        if t.closed_at is not None:
            verb = {"done": "completed", "dismissed": "dismissed"}.get(t.status, t.status)
            why = t.outcome_note if t.status == "done" else t.dismiss_reason
            entries.append(Entry(t.closed_at, "task", f"Task {verb}: {t.title}", why, who=_name(t.closed_by)))
    for n in AccountNote.objects.filter(account=account).select_related("author")[:PER_SOURCE]:
        entries.append(Entry(n.created_at, "note", "Note", n.body, who=_name(n.author)))
    for ticket in account.tickets.order_by("-opened_at")[:PER_SOURCE]:
        entries.append(Entry(ticket.opened_at, "ticket", f"Ticket #{ticket.external_id} opened", ticket.subject))
        if ticket.solved_at is not None:
            entries.append(Entry(ticket.solved_at, "ticket", f"Ticket #{ticket.external_id} solved", ticket.subject))
    for o in account.outcomes.order_by("-date")[:PER_SOURCE]:
        entries.append(Entry(day_start(o.date), "outcome", o.get_kind_display(), o.note))
    for f in Override.objects.filter(account=account).select_related("created_by").order_by("-created_at")[:PER_SOURCE]:
        effect = f"capped at {f.value:.0f}" if f.effect == Override.Effect.CAP else f"−{f.value:.0f} points"
        entries.append(Entry(f.created_at, "flag", f"Flagged: {f.get_reason_display()} ({effect})", f.note,
                             who=_name(f.created_by)))
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]
