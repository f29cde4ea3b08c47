"""Map the JSON that helpdesks send to our ticket shape. Pure functions: dict in, TicketData out.

Field names follow each tool's documented objects:
- Zendesk: the Ticket object (``{"ticket": {...}}``, as the Tickets API and a
  trigger/webhook body built from ``{{ticket.*}}`` placeholders send it), with
  ``requester.email``, ``status`` new/open/pending/hold/solved/closed,
  ``satisfaction_rating.score`` good/bad, ``tags``.
- Intercom: a webhook notification (``type: notification_event``, ``topic``
  conversation.*, ``data.item`` a Conversation with ``state``
  open/closed/snoozed, unix ``created_at``/``updated_at``, ``source.author.email``,
  ``conversation_rating.rating`` 1–5, ``tags.tags[].name``, ``priority``).
- Freshdesk: the Ticket object of API v2 (``status`` 2 Open, 3 Pending,
  4 Resolved, 5 Closed; ``priority`` 1–4; ``is_escalated``; ``requester.email``
  when embedded) or an automation-rule webhook ``{"freshdesk_webhook": {...}}``
  with ``ticket_*`` placeholder fields.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils import timezone

from healthscore.bounds import timestamp_parse, unix_timestamp_parse
from support.models import Ticket

ESCALATION_TAGS = {"escalated", "escalation"}
_EMAIL = EmailValidator()
_URL = URLValidator(schemes=["http", "https"])


class PayloadError(Exception):
    def __init__(self, field_name: str, message: str):
        self.field = field_name
        self.message = message
        super().__init__(f"{field_name}: {message}")


@dataclass
class TicketData:
    external_id: str
    requester_email: str = ""
    subject: str = ""
    status: str = Ticket.Status.OPEN
    priority: str = ""
    escalated: bool = False
    csat: float | None = None
    opened_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    solved_at: dt.datetime | None = None
    url: str = ""
    account_external_id: str | None = None
    raw: dict = field(default_factory=dict)


def _obj(value: Any, name: str) -> dict:
    if not isinstance(value, dict):
        raise PayloadError(name, "must be an object")
    return value


def _text(value: Any, limit: int) -> str:
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value).replace("\x00", "").strip()[:limit]


def _external_id(value: Any, name: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
        raise PayloadError(name, "is required (a string or integer id)")
    text = str(value).strip()
    if "\x00" in text:
        raise PayloadError(name, "must not contain NUL characters")
    if len(text) > 100:
        raise PayloadError(name, "must be at most 100 characters")
    return text


def _email(value: Any, name: str) -> str:
    text = _text(value, 254).lower()
    if not text:
        return ""
    try:
        _EMAIL(text)
    except ValidationError:
        raise PayloadError(name, f"not a valid email address: {text!r}") from None
    return text


def _url(value: Any) -> str:
    text = _text(value, 200)
    try:
        _URL(text)
    except ValidationError:
        return ""
    return text


def _when(value: Any, name: str) -> dt.datetime | None:
    if value in (None, ""):
        return None
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return unix_timestamp_parse(value)
        return timestamp_parse(value)
    except ValueError as exc:
        raise PayloadError(name, str(exc)) from None


def _tags(value: Any) -> set[str]:
    if isinstance(value, str):  # Zendesk/Freshdesk placeholders render tags as one string
        return {t.strip().lower() for t in re.split(r"[\s,]+", value) if t.strip()}
    if isinstance(value, list):
        names = [t.get("name") if isinstance(t, dict) else t for t in value]
        return {str(n).strip().lower() for n in names if isinstance(n, str | int)}
    return set()


def _without_nul(value: Any) -> Any:
    """PostgreSQL jsonb refuses \\u0000: drop NUL characters from the stored raw payload."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    return value


def _finish(data: TicketData) -> TicketData:
    data.raw = _without_nul(data.raw)
    now = timezone.now()
    data.updated_at = data.updated_at or now
    data.opened_at = data.opened_at or data.updated_at
    if data.status in (Ticket.Status.SOLVED, Ticket.Status.CLOSED):
        data.solved_at = data.solved_at or data.updated_at
    else:
        data.solved_at = None
    return data


# --- generic -----------------------------------------------------------------

def generic_ticket_parse(item: dict, *, index: int | None = None) -> TicketData:
    """Our own shape (documented in the OpenAPI schema as GenericTicket)."""
    prefix = f"tickets[{index}]." if index is not None else ""
    item = _obj(item, prefix.rstrip(".") or "ticket")
    status = item.get("status", Ticket.Status.OPEN)
    if status not in Ticket.Status.values:
        raise PayloadError(f"{prefix}status", f"must be one of {', '.join(Ticket.Status.values)}")
    csat = item.get("csat")
    if csat is not None and (isinstance(csat, bool) or not isinstance(csat, int | float) or not 0 <= csat <= 100):
        raise PayloadError(f"{prefix}csat", "must be a number from 0 to 100")
    escalated = item.get("escalated", False)
    if not isinstance(escalated, bool):
        raise PayloadError(f"{prefix}escalated", "must be true or false")
    account = item.get("account")
    return _finish(
        TicketData(
            external_id=_external_id(item.get("external_id"), f"{prefix}external_id"),
            requester_email=_email(item.get("requester_email"), f"{prefix}requester_email"),
            subject=_text(item.get("subject"), 500),
            status=status,
            priority=_text(item.get("priority"), 20),
            escalated=escalated,
            csat=float(csat) if csat is not None else None,
            opened_at=_when(item.get("opened_at"), f"{prefix}opened_at"),
            updated_at=_when(item.get("updated_at"), f"{prefix}updated_at"),
            solved_at=_when(item.get("solved_at"), f"{prefix}solved_at"),
            url=_url(item.get("url")),
            account_external_id=_text(account, 100) or None,
            raw=item,
        )
    )


# --- Zendesk -----------------------------------------------------------------

_ZENDESK_STATUS = {
    "new": Ticket.Status.OPEN,
    "open": Ticket.Status.OPEN,
    "pending": Ticket.Status.PENDING,
    "hold": Ticket.Status.PENDING,
    "on-hold": Ticket.Status.PENDING,
    "solved": Ticket.Status.SOLVED,
    "closed": Ticket.Status.CLOSED,
}
_ZENDESK_CSAT = {"good": 100.0, "bad": 0.0}


def _zendesk_agent_url(api_url: str) -> str:
    """The agent-facing page for a Tickets API URL (…/api/v2/tickets/123.json → …/agent/tickets/123)."""
    match = re.match(r"^(https://[^/]+)/api/v2/tickets/(\d+)\.json$", api_url)
    return f"{match[1]}/agent/tickets/{match[2]}" if match else api_url


def zendesk_ticket_parse(payload: Any) -> TicketData:
    payload = _obj(payload, "body")
    ticket = _obj(payload.get("ticket", payload), "ticket")
    status_text = _text(ticket.get("status"), 20).lower() or "open"
    if status_text not in _ZENDESK_STATUS:
        raise PayloadError("ticket.status", f"unknown Zendesk status {status_text!r}")
    requester = ticket.get("requester") if isinstance(ticket.get("requester"), dict) else {}
    rating = ticket.get("satisfaction_rating") if isinstance(ticket.get("satisfaction_rating"), dict) else {}
    return _finish(
        TicketData(
            external_id=_external_id(ticket.get("id"), "ticket.id"),
            requester_email=_email(requester.get("email") or ticket.get("requester_email"), "ticket.requester.email"),
            subject=_text(ticket.get("subject") or ticket.get("title"), 500),
            status=_ZENDESK_STATUS[status_text],
            priority=_text(ticket.get("priority"), 20).lower(),
            escalated=bool(_tags(ticket.get("tags")) & ESCALATION_TAGS),
            csat=_ZENDESK_CSAT.get(_text(rating.get("score"), 20).lower()),
            opened_at=_when(ticket.get("created_at"), "ticket.created_at"),
            updated_at=_when(ticket.get("updated_at"), "ticket.updated_at"),
            url=_url(ticket.get("link")) or _zendesk_agent_url(_url(ticket.get("url"))),
            raw=payload,
        )
    )


# --- Intercom ----------------------------------------------------------------

_INTERCOM_STATE = {"open": Ticket.Status.OPEN, "snoozed": Ticket.Status.PENDING, "closed": Ticket.Status.SOLVED}


def intercom_ticket_parse(payload: Any) -> TicketData:
    payload = _obj(payload, "body")
    data = _obj(payload.get("data"), "data")
    item = _obj(data.get("item"), "data.item")
    state = _text(item.get("state"), 20).lower() or ("open" if item.get("open", True) else "closed")
    if state not in _INTERCOM_STATE:
        raise PayloadError("data.item.state", f"unknown Intercom state {state!r}")
    source = item.get("source") if isinstance(item.get("source"), dict) else {}
    author = source.get("author") if isinstance(source.get("author"), dict) else {}
    email = author.get("email") if author.get("type") in (None, "user", "lead", "contact") else None
    if not email:
        contacts = item.get("contacts") if isinstance(item.get("contacts"), dict) else {}
        for contact in contacts.get("contacts") or []:
            if isinstance(contact, dict) and contact.get("email"):
                email = contact["email"]
                break
    rating = item.get("conversation_rating") if isinstance(item.get("conversation_rating"), dict) else {}
    stars = rating.get("rating")
    csat = (float(stars) - 1) * 25 if isinstance(stars, int) and not isinstance(stars, bool) and 1 <= stars <= 5 else None
    tags = item.get("tags") if isinstance(item.get("tags"), dict) else {}
    stats = item.get("statistics") if isinstance(item.get("statistics"), dict) else {}
    subject = _text(item.get("title") or source.get("subject"), 500)
    if not subject:
        subject = re.sub(r"<[^>]+>", " ", _text(source.get("body"), 2000)).strip()[:200]
    return _finish(
        TicketData(
            external_id=_external_id(item.get("id"), "data.item.id"),
            requester_email=_email(email, "data.item.source.author.email"),
            subject=subject,
            status=_INTERCOM_STATE[state],
            priority="high" if item.get("priority") == "priority" else "normal",
            escalated=bool(_tags(tags.get("tags")) & ESCALATION_TAGS),
            csat=csat,
            opened_at=_when(item.get("created_at"), "data.item.created_at"),
            updated_at=_when(item.get("updated_at"), "data.item.updated_at"),
            solved_at=_when(stats.get("last_close_at"), "data.item.statistics.last_close_at"),
            raw=payload,
        )
    )


# --- Freshdesk ---------------------------------------------------------------

_FRESHDESK_STATUS_CODES = {2: Ticket.Status.OPEN, 3: Ticket.Status.PENDING, 4: Ticket.Status.SOLVED, 5: Ticket.Status.CLOSED}
_FRESHDESK_STATUS_NAMES = {"open": Ticket.Status.OPEN, "pending": Ticket.Status.PENDING, "resolved": Ticket.Status.SOLVED, "closed": Ticket.Status.CLOSED}
_FRESHDESK_PRIORITY = {1: "low", 2: "medium", 3: "high", 4: "urgent"}


def _freshdesk_status(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        # Custom statuses (6+) behave like "waiting on …": the ticket is still open work.
        return _FRESHDESK_STATUS_CODES.get(value, Ticket.Status.PENDING if value > 5 else Ticket.Status.OPEN)
    name = _text(value, 40).lower()
    if name in _FRESHDESK_STATUS_NAMES:
        return _FRESHDESK_STATUS_NAMES[name]
    return Ticket.Status.PENDING if name.startswith("waiting") else Ticket.Status.OPEN


def freshdesk_ticket_parse(payload: Any) -> TicketData:
    payload = _obj(payload, "body")
    if "freshdesk_webhook" in payload:
        hook = _obj(payload["freshdesk_webhook"], "freshdesk_webhook")
        email = hook.get("ticket_requester_email") or hook.get("ticket_contact_email") or hook.get("ticket_from_email")
        return _finish(
            TicketData(
                external_id=_external_id(hook.get("ticket_id"), "freshdesk_webhook.ticket_id"),
                requester_email=_email(email, "freshdesk_webhook.ticket_requester_email"),
                subject=_text(hook.get("ticket_subject"), 500),
                status=_freshdesk_status(hook.get("ticket_status")),
                priority=_text(hook.get("ticket_priority"), 20).lower(),
                escalated=bool(_tags(hook.get("ticket_tags")) & ESCALATION_TAGS),
                opened_at=_when(hook.get("ticket_created_at"), "freshdesk_webhook.ticket_created_at"),
                updated_at=_when(hook.get("ticket_updated_at"), "freshdesk_webhook.ticket_updated_at"),
                url=_url(hook.get("ticket_url")),
                raw=payload,
            )
        )
    ticket = _obj(payload.get("ticket", payload), "ticket")
    requester = ticket.get("requester") if isinstance(ticket.get("requester"), dict) else {}
    priority = ticket.get("priority")
    return _finish(
        TicketData(
            external_id=_external_id(ticket.get("id"), "id"),
            requester_email=_email(requester.get("email") or ticket.get("email"), "requester.email"),
            subject=_text(ticket.get("subject"), 500),
            status=_freshdesk_status(ticket.get("status", 2)),
            priority=_FRESHDESK_PRIORITY.get(priority, "") if isinstance(priority, int) else _text(priority, 20).lower(),
            escalated=bool(ticket.get("is_escalated") is True or _tags(ticket.get("tags")) & ESCALATION_TAGS),
            opened_at=_when(ticket.get("created_at"), "created_at"),
            updated_at=_when(ticket.get("updated_at"), "updated_at"),
            raw=payload,
        )
    )
