"""Help Scout: webhooks (Manage › Apps › Webhooks), the proof that a fourth helpdesk is one module.

Authentication (https://developer.helpscout.com/webhooks): ``X-HelpScout-Signature`` =
base64(HMAC-SHA1(secret key, body)); the secret key is one we make (at most 40 characters) and paste
into Help Scout. The event name is in ``X-HelpScout-Event``; ``convo.*`` events carry the Conversation
object (https://developer.helpscout.com/webhooks/objects/conversation).
"""

from __future__ import annotations

from typing import Any

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
    "active": Ticket.Status.OPEN,
    "pending": Ticket.Status.PENDING,
    "closed": Ticket.Status.SOLVED,
    "spam": Ticket.Status.CLOSED,
}
_UNUSED_CONVO_EVENTS = {"convo.deleted"}


def conversation_parse(payload: Any) -> p.TicketData:
    convo = p.obj(payload, "body")
    customer = p.mapping(convo.get("primaryCustomer")) or p.mapping(convo.get("customer"))
    status = p.text(convo.get("status"), 20).lower() or "active"
    if status not in STATUS:
        raise PayloadError("status", f"unknown Help Scout status {status!r}")
    web = p.mapping(p.mapping(p.mapping(convo.get("_links")).get("web"))).get("href")
    if not web and convo.get("id") and convo.get("number"):
        web = f"https://secure.helpscout.net/conversation/{convo['id']}/{convo['number']}/"
    updated = convo.get("userUpdatedAt") or convo.get("modifiedAt") or convo.get("updatedAt")
    return p.finish(
        p.TicketData(
            external_id=p.external_id(convo.get("id"), "id"),
            requester_email=p.email(customer.get("email"), "primaryCustomer.email"),
            subject=p.text(convo.get("subject"), 500),
            status=STATUS[status],
            escalated=p.escalated_by_tags(convo),
            opened_at=p.when(convo.get("createdAt"), "createdAt"),
            updated_at=p.when(updated, "userUpdatedAt"),
            solved_at=p.when(convo.get("closedAt"), "closedAt"),
            url=p.url(web),
            raw=convo,
        )
    )


@register
class HelpScoutAdapter(Adapter):
    vendor = "helpscout"
    label = "Help Scout"
    we_generate_secret = True
    proof_headers = ("X-HelpScout-Signature",)
    secret_help = (
        "Healthscore makes the secret key (shown once after saving). In Help Scout: Manage › Apps › "
        "Webhooks, paste it into Secret Key."
    )

    def authenticate(self, request: WebhookRequest, integration) -> bool:
        signature = request.header("X-HelpScout-Signature")
        if not signature or not integration.secret:
            return False
        return signature_matches(b64(hmac_digest(integration.secret, request.body, "sha1")), signature)

    def parse(self, payload: object, request: WebhookRequest) -> Delivery:
        event = request.header("X-HelpScout-Event")
        if not event.startswith("convo.") or event in _UNUSED_CONVO_EVENTS:
            return Delivery(event_kind=event, ignored=True, message="event not used")
        return Delivery(tickets=[conversation_parse(payload)], event_kind=event)
