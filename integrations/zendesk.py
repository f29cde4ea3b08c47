"""Zendesk: trigger/automation webhooks (a body built from ``{{ticket.*}}`` placeholders, or the Ticket
object under ``ticket``) and event webhooks (``zen:event-type:ticket.*``).

Authentication (https://developer.zendesk.com/documentation/webhooks/verifying/):
``X-Zendesk-Webhook-Signature`` = base64(HMAC-SHA256(signing secret, timestamp + body)) with the
timestamp in ``X-Zendesk-Webhook-Signature-Timestamp``; a timestamp outside the window is refused, so a
captured delivery cannot be replayed later.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.conf import settings

from healthscore.bounds import timestamp_parse
from integrations.base import (
    Adapter,
    Delivery,
    PayloadError,
    WebhookRequest,
    b64,
    hmac_digest,
    register,
    signature_matches,
)
from support import adapters as p
from support.models import Ticket

STATUS = {
    "new": Ticket.Status.OPEN,
    "open": Ticket.Status.OPEN,
    "pending": Ticket.Status.PENDING,
    "hold": Ticket.Status.PENDING,
    "on-hold": Ticket.Status.PENDING,
    "on hold": Ticket.Status.PENDING,
    "solved": Ticket.Status.SOLVED,
    "closed": Ticket.Status.CLOSED,
}
# ``{{ticket.status}}`` renders in the language of the account (or of the agent whose action fired the
# trigger): the names Zendesk's own translations use for its default statuses.
LOCALIZED_STATUS = {
    # de
    "neu": "new", "offen": "open", "wartend": "pending", "angehalten": "hold", "gelöst": "solved",
    "geschlossen": "closed",
    # fr
    "nouveau": "new", "ouvert": "open", "en attente": "pending", "en pause": "hold", "résolu": "solved",
    "clos": "closed", "fermé": "closed",
    # es
    "nuevo": "new", "abierto": "open", "pendiente": "pending", "en espera": "hold", "resuelto": "solved",
    "cerrado": "closed",
    # pt
    "novo": "new", "aberto": "open", "pendente": "pending", "resolvido": "solved", "fechado": "closed",
    # it
    "nuovo": "new", "aperto": "open", "in attesa": "pending", "in sospeso": "hold", "risolto": "solved",
    "chiuso": "closed",
    # nl
    "nieuw": "new", "in afwachting": "pending", "in de wacht": "hold", "opgelost": "solved",
    "gesloten": "closed",
    # ja
    "新規": "new", "オープン": "open", "保留中": "pending", "待機中": "hold", "解決済み": "solved",
    "終了": "closed",
}
CSAT = {"good": 100.0, "bad": 0.0}
# ``{{ticket.created_at}}`` renders a date like "Nov 28, 2026" (or "November 28, 2026", "28 Nov 2026");
# ``{{ticket.created_at_with_timestamp}}`` renders ISO 8601. Both are read.
_DATE_FORMATS = ("%b %d, %Y", "%B %d, %Y", "%d %b %Y", "%d %B %Y", "%b %d, %Y %H:%M", "%B %d, %Y %H:%M")


def status_map(value: Any, category: Any = None) -> str:
    """Our status from the status category when sent (custom statuses, events), else the (possibly
    localized) status name; an unknown name is open work rather than a refused delivery."""
    for raw in (category, value):
        name = p.text(raw, 40).lower().strip()
        if not name:
            continue
        name = LOCALIZED_STATUS.get(name, name)
        if name in STATUS:
            return STATUS[name]
    return Ticket.Status.OPEN


def when(value: Any, name: str) -> dt.datetime | None:
    if isinstance(value, str) and value.strip() and not value.strip()[:4].isdigit():
        text = re.sub(r"\s+", " ", value.strip())
        for fmt in _DATE_FORMATS:
            try:
                return timestamp_parse(dt.datetime.strptime(text, fmt).replace(tzinfo=dt.UTC))
            except ValueError:
                continue
    return p.when(value, name)


def _agent_url(api_url: str) -> str:
    """The agent-facing page for a Tickets API URL (…/api/v2/tickets/123.json → …/agent/tickets/123)."""
    match = re.match(r"^(https://[^/]+)/api/v2/tickets/(\d+)\.json$", api_url)
    return f"{match[1]}/agent/tickets/{match[2]}" if match else api_url


def ticket_parse(payload: Any) -> p.TicketData:
    payload = p.obj(payload, "body")
    ticket = p.obj(payload.get("ticket", payload), "ticket")
    requester = ticket.get("requester") if isinstance(ticket.get("requester"), dict) else {}
    rating = ticket.get("satisfaction_rating") if isinstance(ticket.get("satisfaction_rating"), dict) else {}
    rating_score = rating.get("score") if rating else ticket.get("satisfaction_score")
    updated = ticket.get("updated_at_with_timestamp") or ticket.get("updated_at")
    created = ticket.get("created_at_with_timestamp") or ticket.get("created_at")
    return p.finish(
        p.TicketData(
            external_id=p.external_id(ticket.get("id"), "ticket.id"),
            requester_email=p.email(requester.get("email") or ticket.get("requester_email"), "ticket.requester.email"),
            subject=p.text(ticket.get("subject") or ticket.get("title"), 500),
            status=status_map(ticket.get("status"), ticket.get("status_category")),
            priority=p.text(ticket.get("priority"), 20).lower(),
            escalated=p.escalated_by_tags(ticket),
            csat=CSAT.get(p.text(rating_score, 20).lower()),
            opened_at=when(created, "ticket.created_at"),
            updated_at=when(updated, "ticket.updated_at"),
            url=p.url(ticket.get("link")) or _agent_url(p.url(ticket.get("url"))),
            raw=payload,
        )
    )


def event_parse(payload: dict) -> Delivery:
    """An event webhook: its ``detail`` names the ticket and its status but only a requester *id*, so it
    updates a ticket we already hold (matched by the trigger webhook) and is otherwise kept as an event."""
    kind = p.text(payload.get("type"), 100)
    detail = payload.get("detail") if isinstance(payload.get("detail"), dict) else {}
    subject = p.text(payload.get("subject"), 100)
    ticket_id = p.text(detail.get("id"), 100) or subject.removeprefix("zen:ticket:")
    status = None
    if detail.get("status") or detail.get("status_category"):
        status = status_map(detail.get("status"), detail.get("status_category"))
    event = payload.get("event") if isinstance(payload.get("event"), dict) else {}
    current = event.get("current")
    if kind.endswith("status_changed") and isinstance(current, str | dict):
        status = status_map(current.get("status") if isinstance(current, dict) else current)
    return Delivery(
        event_kind=kind,
        event_external_id=ticket_id if ticket_id.isdigit() else "",
        event_status=status,
        event_updated_at=when(detail.get("updated_at") or payload.get("time"), "detail.updated_at"),
    )


@register
class ZendeskAdapter(Adapter):
    vendor = Ticket.Source.ZENDESK
    label = "Zendesk"
    we_generate_secret = False
    proof_headers = ("X-Zendesk-Webhook-Signature", "X-Zendesk-Webhook-Signature-Timestamp")
    secret_help = (
        "Zendesk makes the signing secret: Admin Center › Apps and integrations › Webhooks › your webhook › "
        "Signing secret › Reveal secret. Paste it here."
    )

    def authenticate(self, request: WebhookRequest, integration) -> bool:
        signature = request.header("X-Zendesk-Webhook-Signature")
        stamp = request.header("X-Zendesk-Webhook-Signature-Timestamp")
        if not signature or not stamp or not integration.secret:
            return False
        try:
            sent_at = timestamp_parse(stamp)
        except ValueError:
            return False
        if abs((request.now - sent_at).total_seconds()) > settings.INTEGRATIONS_SIGNATURE_WINDOW:
            return False
        expected = b64(hmac_digest(integration.secret, stamp.encode() + request.body, "sha256"))
        return signature_matches(expected, signature)

    def parse(self, payload: object, request: WebhookRequest) -> Delivery:
        payload = p.obj(payload, "body")
        kind = payload.get("type")
        if isinstance(kind, str) and kind.startswith("zen:event-type:"):
            if not kind.startswith("zen:event-type:ticket."):
                return Delivery(event_kind=kind, ignored=True, message="not a ticket event")
            return event_parse(payload)
        if "ticket" not in payload and "id" not in payload:
            raise PayloadError("ticket", "a ticket object (or a zen:event-type:ticket.* event) is required")
        return Delivery(tickets=[ticket_parse(payload)], event_kind="trigger")
