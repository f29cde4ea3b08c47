"""Receive one helpdesk delivery: authenticate it as the vendor sends it, parse it, store it."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from healthscore.json_parser import MAX_JSON_DEPTH, json_depth_exceeds
from integrations.base import Delivery, PayloadError, WebhookRequest, adapter_for
from integrations.models import Integration, IntegrationEvent
from support.adapters import TicketData
from support.api_auth import active_token_get
from support.models import Ticket
from support.services import TicketAccountError, tickets_upsert

MAX_DEPTH = MAX_JSON_DEPTH


class DeliveryRefused(Exception):
    """Not from the vendor (401) or not usable (400): nothing was stored."""

    def __init__(self, status: int, field_name: str, message: str):
        self.status = status
        self.field = field_name
        self.message = message
        super().__init__(message)


@dataclass
class DeliveryResult:
    kind: str
    tickets: list[dict] = field(default_factory=list)
    event_stored: bool = False
    ignored: bool = False
    message: str = ""

    @property
    def created(self) -> bool:
        return any(t["created"] for t in self.tickets) or self.event_stored

    def as_json(self) -> dict:
        out: dict = {"kind": self.kind, "tickets": self.tickets}
        if self.ignored:
            out["ignored"] = True
        if self.event_stored:
            out["event_stored"] = True
        if self.message:
            out["message"] = self.message
        return out


def _payload(body: bytes):
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DeliveryRefused(400, "body", f"must be JSON (UTF-8): {exc}") from None
    except RecursionError:  # nested beyond what the decoder itself can hold
        raise DeliveryRefused(400, "body", f"nested deeper than {MAX_DEPTH} levels") from None
    if json_depth_exceeds(payload, MAX_DEPTH):
        raise DeliveryRefused(400, "body", f"nested deeper than {MAX_DEPTH} levels")
    return payload


def _token_restriction(request: WebhookRequest) -> int | None | bool:
    """Our API token as an alternative to the vendor's authentication: its account restriction (None:
    all accounts), or False when no usable ingest token was sent."""
    scheme, _, key = request.header("Authorization").partition(" ")
    if scheme not in ("Bearer", "Token") or not key.strip():
        return False
    token = active_token_get(key.strip())
    if token is None or not token.scope_ingest:
        return False
    return token.account_id


def delivery_receive(*, integration: Integration, request: WebhookRequest) -> DeliveryResult:
    """Authenticate, parse and store one delivery; DeliveryRefused (401/400) stores nothing."""
    adapter = adapter_for(integration.vendor)
    if adapter.authenticate(request, integration):
        restriction = None
    elif adapter.sent_proof(request):
        raise DeliveryRefused(401, "signature", f"the {adapter.label} signature or credentials do not verify")
    else:
        restriction = _token_restriction(request)
        if restriction is False:
            raise DeliveryRefused(401, "signature", f"not signed or authenticated as {adapter.label} sends it")
    payload = _payload(request.body)
    try:
        delivery = adapter.parse(payload, request)
    except PayloadError as exc:
        raise DeliveryRefused(400, exc.field, exc.message) from None
    try:
        return delivery_store(integration=integration, delivery=delivery, payload=payload, now=request.now,
                              account_restriction=restriction)  # fmt: skip
    except TicketAccountError as exc:  # a restricted token naming another account's ticket
        raise DeliveryRefused(400, exc.field, exc.message) from None


def _ticket_rows(result) -> list[dict]:
    return [
        {
            "source": t.source, "external_id": t.external_id,
            "account": t.account.external_id if t.account else None, "status": t.status,
            "created": created, "stale": stale,
        }  # fmt: skip
        for t, created, stale in zip(result.tickets, result.created, result.stale, strict=True)
    ]


@transaction.atomic
def delivery_store(
    *, integration: Integration | None, delivery: Delivery, payload, now: dt.datetime,
    account_restriction: int | None = None, source: str | None = None,
) -> DeliveryResult:
    """Store a parsed delivery. ``integration`` None: our token's vendor endpoints (/api/v1/tickets/<vendor>/),
    which keep no events."""
    source = source or integration.vendor
    if integration is not None:
        Integration.objects.filter(pk=integration.pk).update(last_delivery_at=now)
    out = DeliveryResult(kind=delivery.event_kind, ignored=delivery.ignored, message=delivery.message)
    if delivery.ignored:
        return out
    if delivery.tickets:
        result = tickets_upsert(
            source=source, tickets=delivery.tickets, account_restriction=account_restriction, now=now
        )
        out.tickets = _ticket_rows(result)
        return out
    # An event: it updates a ticket we hold (its status, in order), else it is kept as an event.
    held = Ticket.objects.filter(source=source, external_id=delivery.event_external_id).first()
    if held is not None and delivery.event_external_id and delivery.event_status:
        data = TicketData(
            external_id=held.external_id, requester_email=held.requester_email, subject=held.subject,
            status=delivery.event_status, priority=held.priority, escalated=None, csat=held.csat,
            opened_at=held.opened_at, updated_at=delivery.event_updated_at or now,
            solved_at=None, url=held.url, raw=held.raw,
        )  # fmt: skip
        if data.status in (Ticket.Status.SOLVED, Ticket.Status.CLOSED):
            data.solved_at = held.solved_at or data.updated_at
        result = tickets_upsert(
            source=source, tickets=[data], account_restriction=account_restriction, now=now
        )
        out.tickets = _ticket_rows(result)
        return out
    if integration is None:
        out.message = "event about a ticket we do not hold: nothing stored"
        return out
    IntegrationEvent.objects.create(
        integration=integration, kind=delivery.event_kind[:100], external_id=delivery.event_external_id,
        payload=payload if isinstance(payload, dict) else {"body": payload}, received_at=now,
    )  # fmt: skip
    out.event_stored = True
    out.message = "kept as an event: no ticket with this id yet"
    return out


def request_from_django(request) -> WebhookRequest:
    return WebhookRequest(
        body=request.body,
        headers={name.lower(): value for name, value in request.headers.items()},
        now=timezone.now(),
    )
