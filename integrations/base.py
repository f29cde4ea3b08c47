"""The adapter interface every helpdesk implements, and the registry of adapters.

A helpdesk is one module (``integrations/<vendor>.py``) with a subclass of :class:`Adapter`:

- ``authenticate(request, integration)`` — is this delivery from the vendor? (its signature, its Basic
  auth…); compare secrets with :func:`hmac.compare_digest` only.
- ``parse(payload, request)`` — the delivery as a :class:`Delivery`: tickets to upsert, an event to keep
  without a ticket, or nothing to do (a ping).
- ordering: each ticket carries the vendor's ``updated_at``; ``support.services.tickets_upsert`` refuses
  a ticket older than the stored one, so a replayed or late delivery changes nothing.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from support.adapters import PayloadError, TicketData

if TYPE_CHECKING:
    from integrations.models import Integration

__all__ = ["Adapter", "Delivery", "PayloadError", "WebhookRequest", "adapter_for", "adapters", "register"]


@dataclass(frozen=True)
class WebhookRequest:
    """What an adapter sees of an HTTP request: the raw body (signatures cover bytes), headers, the time."""

    body: bytes
    headers: dict[str, str]  # lower-cased names
    now: dt.datetime

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


@dataclass
class Delivery:
    """The parsed delivery: tickets to store, and/or an event kept as it came (no junk ticket)."""

    tickets: list[TicketData] = field(default_factory=list)
    event_kind: str = ""  # the vendor's topic / event type, for the response and the event log
    event_external_id: str = ""  # the ticket an event is about, when it names one
    event_status: str | None = None  # a status the event carries, applied to a ticket we already hold
    event_updated_at: dt.datetime | None = None
    ignored: bool = False  # a ping or a topic we do not use: answered 200, nothing stored
    message: str = ""


def hmac_digest(secret: str, message: bytes, algorithm: str) -> bytes:
    return hmac.new(secret.encode(), message, getattr(hashlib, algorithm)).digest()


def signature_matches(expected: str, given: str) -> bool:
    """Constant-time comparison of two signature strings (ASCII; anything else never matches)."""
    try:
        return hmac.compare_digest(expected.encode("ascii"), given.strip().encode("ascii"))
    except UnicodeEncodeError:
        return False


def b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode("ascii")


class Adapter:
    """One helpdesk. Subclasses set ``vendor`` and ``label`` and implement the two methods."""

    vendor: ClassVar[str]
    label: ClassVar[str]
    # What the admin is told about the secret: who makes it and where it goes.
    secret_help: ClassVar[str] = ""
    # True when we generate the secret (the admin pastes it into the vendor); False when the vendor does.
    we_generate_secret: ClassVar[bool] = True

    # The headers that carry the vendor's own proof: when one is sent it must verify, even if our token
    # is sent too (a wrong signature beside a token is refused, not waved through).
    proof_headers: ClassVar[tuple[str, ...]] = ()

    def authenticate(self, request: WebhookRequest, integration: Integration) -> bool:
        raise NotImplementedError

    def sent_proof(self, request: WebhookRequest) -> bool:
        return any(request.header(name) for name in self.proof_headers)

    def parse(self, payload: object, request: WebhookRequest) -> Delivery:
        raise NotImplementedError


_REGISTRY: dict[str, Adapter] = {}


def register(cls: type[Adapter]) -> type[Adapter]:
    _REGISTRY[cls.vendor] = cls()
    return cls


def adapters() -> dict[str, Adapter]:
    _load()
    return dict(_REGISTRY)


def adapter_for(vendor: str) -> Adapter:
    _load()
    return _REGISTRY[vendor]


def _load() -> None:
    # Importing a vendor module registers it; the list is the one place that names them.
    from integrations import freshdesk, helpscout, intercom, zendesk  # noqa: F401
