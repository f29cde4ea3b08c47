"""Freshdesk: an automation rule's "Trigger webhook" action (a JSON body built from ``{{ticket.*}}``
placeholders), or the API v2 Ticket object.

Authentication (https://support.freshdesk.com/support/solutions/articles/132589-using-webhooks-in-automation-rules):
Freshdesk signs nothing; its "Requires authentication" option sends HTTP Basic with a username and
password we make (shown once in the admin). Our bearer token stays an alternative.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from typing import Any

from integrations.base import Adapter, Delivery, WebhookRequest, register
from support import adapters as p
from support.models import Ticket

STATUS_CODES = {2: Ticket.Status.OPEN, 3: Ticket.Status.PENDING, 4: Ticket.Status.SOLVED, 5: Ticket.Status.CLOSED}
STATUS_NAMES = {
    "open": Ticket.Status.OPEN, "pending": Ticket.Status.PENDING, "resolved": Ticket.Status.SOLVED,
    "closed": Ticket.Status.CLOSED,
}  # fmt: skip
PRIORITY = {1: "low", 2: "medium", 3: "high", 4: "urgent"}
_EMAIL_KEYS = ("requester_email", "ticket_requester_email", "ticket_contact_email", "contact_email", "email",
               "ticket_from_email", "from_email")  # fmt: skip


def _code(value: Any) -> Any:
    """Freshdesk's numeric codes, also as text ("2"); anything else unchanged (no int() of '²' or of
    thousands of digits)."""
    if isinstance(value, str):
        text = value.strip()
        if text.isascii() and text.isdecimal() and len(text) <= 6:
            return int(text)
    return value


def status_map(value: Any) -> str:
    value = _code(value)
    if isinstance(value, int) and not isinstance(value, bool):
        # Custom statuses (6+) behave like "waiting on …": the ticket is still open work.
        return STATUS_CODES.get(value, Ticket.Status.PENDING if value > 5 else Ticket.Status.OPEN)
    name = p.text(value, 40).lower()
    if name in STATUS_NAMES:
        return STATUS_NAMES[name]
    return Ticket.Status.PENDING if name.startswith("waiting") else Ticket.Status.OPEN


def _priority(value: Any) -> str:
    value = _code(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return PRIORITY.get(value, "")
    return p.text(value, 20).lower()


def _pick(fields: dict, *keys: str) -> Any:
    for key in keys:
        for name in (key, f"ticket_{key}"):
            if fields.get(name) not in (None, ""):
                return fields[name]
    return None


def _escalated(fields: dict) -> bool | None:
    """True/False when the delivery says; None (keep what we hold) when it carries neither tags nor the
    escalation flag — a follow-up rule's body often has neither."""
    flag = _pick(fields, "is_escalated")
    has_tags = "tags" in fields or "ticket_tags" in fields
    if flag is None and not has_tags:
        return None
    if flag is True or (isinstance(flag, str) and flag.strip().lower() in ("true", "yes", "1")):
        return True
    return bool(p.tags(_pick(fields, "tags") or "") & p.ESCALATION_TAGS)


def ticket_parse(payload: Any) -> p.TicketData:
    payload = p.obj(payload, "body")
    fields = payload.get("freshdesk_webhook", payload.get("ticket", payload))
    fields = p.obj(fields, "freshdesk_webhook" if "freshdesk_webhook" in payload else "ticket")
    requester = fields.get("requester") if isinstance(fields.get("requester"), dict) else {}
    email = requester.get("email") or next((fields[k] for k in _EMAIL_KEYS if fields.get(k)), None)
    return p.finish(
        p.TicketData(
            external_id=p.external_id(_pick(fields, "id"), "ticket_id" if "ticket_id" in fields else "id"),
            requester_email=p.email(email, "requester_email"),
            subject=p.text(_pick(fields, "subject"), 500),
            status=status_map(_pick(fields, "status") or 2),
            priority=_priority(_pick(fields, "priority")),
            escalated=_escalated(fields),
            opened_at=p.when(_pick(fields, "created_at"), "created_at"),
            updated_at=p.when(_pick(fields, "updated_at"), "updated_at"),
            url=p.url(_pick(fields, "url", "portal_url")),
            raw=payload,
        )
    )


def basic_credentials(header: str) -> tuple[str, str] | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value.strip():
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, colon, password = decoded.partition(":")
    return (user, password) if colon else None


@register
class FreshdeskAdapter(Adapter):
    vendor = Ticket.Source.FRESHDESK
    label = "Freshdesk"
    we_generate_secret = True
    secret_help = (
        "Healthscore makes the password (shown once after saving). In the Freshdesk rule's Trigger webhook "
        "action tick \"Requires authentication\" and enter the username and this password."
    )

    def sent_proof(self, request: WebhookRequest) -> bool:
        return request.header("Authorization").lower().startswith("basic ")

    def authenticate(self, request: WebhookRequest, integration) -> bool:
        credentials = basic_credentials(request.header("Authorization"))
        if credentials is None or not integration.secret:
            return False
        user, password = credentials
        user_ok = hmac.compare_digest(user.encode(), integration.basic_username.encode())
        password_ok = hmac.compare_digest(password.encode(), integration.secret.encode())
        return user_ok and password_ok

    def parse(self, payload: object, request: WebhookRequest) -> Delivery:
        return Delivery(tickets=[ticket_parse(payload)], event_kind="automation")
