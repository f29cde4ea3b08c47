"""Our ticket shape (TicketData), the generic API shape, and the parsing helpers the helpdesk adapters
share. Pure functions: dict in, TicketData out. Each helpdesk's own mapping lives in ``integrations/``
(one module per vendor).

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
    # None: the delivery does not say (a follow-up without tags), so the stored value stays.
    escalated: bool | None = False
    csat: float | None = None
    opened_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    solved_at: dt.datetime | None = None
    # None: the delivery does not say, so the stored value stays (a later delivery rarely repeats it).
    first_response_at: dt.datetime | None = None
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


_LOCAL_FORBIDDEN = set(' <>()[]\\,;:"@')


def email_normalize(text: str) -> str | None:
    """A lower-cased address with a Unicode local part and an IDNA domain (``zoe.müller1@müller.de``), or
    None. Internationalised addresses (RFC 6531) are valid: Django's validator only takes ASCII local parts,
    so the local part is checked here and the domain in its ASCII (punycode) form by Django's validator."""
    local, at, domain = text.strip().lower().rpartition("@")
    if not at or not local or not domain or len(local) > 64:
        return None
    if any(ch in _LOCAL_FORBIDDEN or ord(ch) < 32 or ord(ch) == 127 for ch in local):
        return None
    if local.startswith(".") or local.endswith(".") or ".." in local:
        return None
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
        unicode_domain = ascii_domain.encode("ascii").decode("idna")
    except UnicodeError:
        return None
    try:
        _EMAIL(f"a@{ascii_domain}")
    except ValidationError:
        return None
    return f"{local}@{unicode_domain}"


def domain_forms(domain: str) -> set[str]:
    """The Unicode and the ASCII (punycode) spelling of a domain, as either may be stored."""
    forms = {domain.lower()}
    try:
        forms.add(domain.encode("idna").decode("ascii").lower())
        forms.add(domain.encode("ascii").decode("idna").lower())
    except UnicodeError:
        pass
    return forms


def _email(value: Any, name: str) -> str:
    text = _text(value, 254)
    if not text:
        return ""
    normal = email_normalize(text)
    if normal is None:
        raise PayloadError(name, f"not a valid email address: {text!r}")
    return normal


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
    if isinstance(value, dict):  # Intercom: a tag list object, {"type": "tag.list", "tags": [...]}
        value = value.get("tags")
    if isinstance(value, str):  # Zendesk/Freshdesk placeholders render tags as one string
        return {t.strip().lower() for t in re.split(r"[\s,]+", value) if t.strip()}
    if isinstance(value, list):  # names, or objects naming them ("name"; Help Scout: "tag")
        names = [(t.get("name") or t.get("tag")) if isinstance(t, dict) else t for t in value]
        return {str(n).strip().lower() for n in names if isinstance(n, str | int)}
    return set()


def escalated_by_tags(container: dict, key: str = "tags") -> bool | None:
    """Escalated when the tags carry an escalation tag; None (keep what is stored) when the payload
    carries no tags at all — the one rule every tag-based adapter follows."""
    return bool(_tags(container[key]) & ESCALATION_TAGS) if key in container else None


def mapping(value: Any) -> dict:
    """``value`` when it is an object, else an empty one (optional nested parts of a payload)."""
    return value if isinstance(value, dict) else {}


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
            first_response_at=_when(item.get("first_response_at"), f"{prefix}first_response_at"),
            url=_url(item.get("url")),
            account_external_id=_text(account, 100) or None,
            raw=item,
        )
    )


# The helpers the vendor adapters (integrations/) share.
obj = _obj
text = _text
external_id = _external_id
email = _email
url = _url
when = _when
tags = _tags
finish = _finish
