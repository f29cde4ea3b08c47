"""Intercom: webhook notifications (``type: notification_event``, ``topic``, ``data.item``).

Authentication (https://developers.intercom.com/docs/webhooks/setting-up-webhooks): Intercom cannot send
a bearer header; it signs the raw body with the app's client secret, ``X-Hub-Signature: sha1=<hex
HMAC-SHA1>``. A ``ping`` (sent when the endpoint is saved) is answered 200.

Shapes read: conversations in API 2.x (``source.author``, ``contacts.contacts[]``) and 1.x
(``user``, ``conversation_message``, ``customers[]``), and Intercom Tickets (``ticket.*`` topics, a Ticket
with ``ticket_state`` and ``ticket_attributes``).
"""

from __future__ import annotations

import re
from typing import Any

from integrations.base import (
    Adapter,
    Delivery,
    PayloadError,
    WebhookRequest,
    hmac_digest,
    register,
    signature_matches,
)
from support import adapters as p
from support.models import Ticket

STATE = {"open": Ticket.Status.OPEN, "snoozed": Ticket.Status.PENDING, "closed": Ticket.Status.SOLVED}
# Ticket states by category (2.10+ send an object with ``category``; earlier versions the category name).
TICKET_STATE = {
    "submitted": Ticket.Status.OPEN,
    "in_progress": Ticket.Status.OPEN,
    "waiting_on_customer": Ticket.Status.PENDING,
    "on_hold": Ticket.Status.PENDING,
    "resolved": Ticket.Status.SOLVED,
}


def _first_email(*candidates: Any) -> Any:
    for candidate in candidates:
        if isinstance(candidate, dict) and candidate.get("email"):
            if candidate.get("type") in (None, "user", "lead", "contact"):
                return candidate["email"]
        if isinstance(candidate, list):
            found = _first_email(*candidate)
            if found:
                return found
    return None


def _csat(item: dict) -> float | None:
    stars = p.mapping(item.get("conversation_rating")).get("rating")
    if isinstance(stars, int) and not isinstance(stars, bool) and 1 <= stars <= 5:
        return (float(stars) - 1) * 25
    return None


def conversation_parse(payload: dict, item: dict) -> p.TicketData:
    state = p.text(item.get("state"), 20).lower() or ("open" if item.get("open", True) else "closed")
    if state not in STATE:
        raise PayloadError("data.item.state", f"unknown Intercom state {state!r}")
    source = p.mapping(item.get("source")) or p.mapping(item.get("conversation_message"))  # 2.x / 1.x
    email = _first_email(
        source.get("author"), item.get("user"), p.mapping(item.get("contacts")).get("contacts"), item.get("customers")
    )
    subject = p.text(item.get("title") or source.get("subject"), 500)
    if not subject:
        subject = re.sub(r"<[^>]+>", " ", p.text(source.get("body"), 2000)).strip()[:200]
    return p.finish(
        p.TicketData(
            external_id=p.external_id(item.get("id"), "data.item.id"),
            requester_email=p.email(email, "data.item.source.author.email"),
            subject=subject,
            status=STATE[state],
            priority="high" if item.get("priority") == "priority" else "normal",
            escalated=p.escalated_by_tags(item),
            csat=_csat(item),
            opened_at=p.when(item.get("created_at"), "data.item.created_at"),
            updated_at=p.when(item.get("updated_at"), "data.item.updated_at"),
            solved_at=p.when(p.mapping(item.get("statistics")).get("last_close_at"), "data.item.statistics.last_close_at"),
            first_response_at=p.when(p.mapping(item.get("statistics")).get("first_admin_reply_at"),
                                     "data.item.statistics.first_admin_reply_at"),
            raw=payload,
        )
    )


def ticket_parse(payload: dict, item: dict) -> p.TicketData:
    state = item.get("ticket_state")
    category = p.text(state.get("category") if isinstance(state, dict) else state, 40).lower()
    status = TICKET_STATE.get(category)
    if status is None:
        status = Ticket.Status.OPEN if item.get("open", True) else Ticket.Status.SOLVED
    attributes = p.mapping(item.get("ticket_attributes"))
    email = _first_email(p.mapping(item.get("contacts")).get("contacts"), item.get("contact"))
    return p.finish(
        p.TicketData(
            # Tickets and conversations share Intercom's id space (a ticket is a conversation).
            external_id=p.external_id(item.get("id"), "data.item.id"),
            requester_email=p.email(email, "data.item.contacts.contacts[0].email"),
            subject=p.text(attributes.get("_default_title_") or item.get("title"), 500),
            status=status,
            priority="high" if item.get("priority") == "priority" else "normal",
            escalated=p.escalated_by_tags(item),
            opened_at=p.when(item.get("created_at"), "data.item.created_at"),
            updated_at=p.when(item.get("updated_at"), "data.item.updated_at"),
            url=p.url(item.get("linked_objects_url") or ""),
            raw=payload,
        )
    )


@register
class IntercomAdapter(Adapter):
    vendor = Ticket.Source.INTERCOM
    label = "Intercom"
    we_generate_secret = False
    proof_headers = ("X-Hub-Signature",)
    secret_help = (
        "Intercom signs with your app's client secret: Developer Hub › your app › Basic information › "
        "Client secret. Paste it here."
    )

    def authenticate(self, request: WebhookRequest, integration) -> bool:
        signature = request.header("X-Hub-Signature")
        if not signature.startswith("sha1=") or not integration.secret:
            return False
        expected = "sha1=" + hmac_digest(integration.secret, request.body, "sha1").hex()
        return signature_matches(expected, signature.lower())

    def parse(self, payload: object, request: WebhookRequest) -> Delivery:
        payload = p.obj(payload, "body")
        topic = p.text(payload.get("topic"), 100)
        item = p.mapping(p.mapping(payload.get("data")).get("item"))
        if topic == "ping" or item.get("type") == "ping":
            return Delivery(event_kind="ping", ignored=True, message="pong")
        if topic.startswith("ticket.") or item.get("type") == "ticket":
            return Delivery(tickets=[ticket_parse(payload, p.obj(item, "data.item"))], event_kind=topic)
        if topic.startswith("conversation.") or item.get("type") == "conversation" or (not topic and item):
            if not item:
                raise PayloadError("data.item", "must be an object")
            return Delivery(tickets=[conversation_parse(payload, item)], event_kind=topic)
        if not topic and not item:
            raise PayloadError("data.item", "must be an object")
        return Delivery(event_kind=topic, ignored=True, message="topic not used")
