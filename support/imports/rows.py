"""One import row (field → text) → clean values, or errors naming the field. Lookups are per batch."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q
from django.db.models.functions import Lower

from accounts.models import Account, Contact, Outcome
from healthscore.bounds import date_check

Errors = list[tuple[str, str]]  # (field, message)

LIFECYCLE_ALIASES = {
    # HubSpot's lifecycle stages: a customer is in adoption; before that, onboarding.
    "subscriber": "onboarding", "lead": "onboarding", "marketingqualifiedlead": "onboarding",
    "salesqualifiedlead": "onboarding", "opportunity": "onboarding", "customer": "adoption",
    "evangelist": "mature",
}
STATUS_ALIASES = {"customer": "active", "customer_direct": "active", "customer_channel": "active",
                  "former_customer": "churned", "churned_customer": "churned", "inactive": "paused"}
CONTRACT_ALIASES = {"yearly": "annual", "annually": "annual", "month": "monthly", "multi_year": "multi_year",
                    "multiyear": "multi_year"}
ROLE_ALIASES = {"sponsor": "executive_sponsor", "executive": "executive_sponsor",
                "decision_maker": "executive_sponsor", "": "user", "contact": "user"}
KIND_ALIASES = {"renewal": "renewed", "renew": "renewed", "closedwon": "renewed", "closed_won": "renewed",
                "churn": "churned", "closedlost": "churned", "closed_lost": "churned", "lost": "churned",
                "expansion": "expanded", "upsell": "expanded", "contraction": "contracted",
                "downsell": "contracted"}
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%Y/%m/%d")
MONEY_LIMIT = Decimal(10) ** 12
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def _word(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def choice(text: str, choices, aliases: dict[str, str], field: str, errors: Errors) -> str | None:
    word = _word(text)
    valid = {v for v, _ in choices}
    labels = {_word(label): v for v, label in choices}
    value = word if word in valid else labels.get(word) or aliases.get(word) or aliases.get(word.replace("_", ""))
    if value is None:
        errors.append((field, f"{text!r} is not one of {', '.join(sorted(valid))}"))
    return value


def parse_date(text: str, field: str, errors: Errors) -> dt.date | None:
    text = text.strip()
    if not text:
        return None
    head = text[:10] if re.match(r"^\d{4}-\d{2}-\d{2}[T ]", text) else text
    for fmt in DATE_FORMATS:
        try:
            parsed = dt.datetime.strptime(head, fmt).date()
        except ValueError:
            continue
        try:
            return date_check(parsed)  # the API's bounds: later date arithmetic cannot overflow
        except ValueError as exc:
            errors.append((field, str(exc)))
            return None
    errors.append((field, f"{text!r} is not a date (YYYY-MM-DD)"))
    return None


def parse_money(text: str, field: str, errors: Errors, *, signed: bool = False) -> Decimal | None:
    cleaned = re.sub(r"[\s$€£,]", "", text)
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned).quantize(Decimal("0.01"))
    except InvalidOperation:
        errors.append((field, f"{text!r} is not an amount"))
        return None
    if not value.is_finite() or abs(value) >= MONEY_LIMIT or (value < 0 and not signed):
        errors.append((field, f"{text!r} is out of range"))
        return None
    return value


def domains_of(text: str, errors: Errors) -> list[str]:
    """'https://www.Acme.com/about; acme.io' → ['acme.com', 'acme.io']."""
    out = []
    for part in re.split(r"[;,\s]+", text.strip()):
        if not part:
            continue
        host = urlsplit(part if "//" in part else f"//{part}").hostname or ""
        host = host.lower().removeprefix("www.").rstrip(".")
        if not _DOMAIN.match(host):
            errors.append(("domain", f"{part!r} is not a domain or website"))
            continue
        if host not in out:
            out.append(host)
    return out


class Lookups:
    """Segments (by slug or name), owners (by email or username) and accounts (by external id), read once per
    batch."""

    def __init__(self, *, owners: Iterable[str] = (), accounts: Iterable[str] = ()):
        from scoring.models import Segment

        self.segments: dict[str, int] = {}
        for pk, slug, name in Segment.objects.values_list("pk", "slug", "name"):
            self.segments[slug.lower()] = pk
            self.segments.setdefault(name.lower(), pk)
        refs = {r.strip().lower() for r in owners if r and r.strip()}
        self.owners: dict[str, int] = {}
        if refs:
            users = get_user_model().objects.annotate(email_lower=Lower("email"), username_lower=Lower("username"))
            users = users.filter(Q(email_lower__in=refs) | Q(username_lower__in=refs))
            for pk, username, email in users.order_by("-pk").values_list("pk", "username_lower", "email_lower"):
                self.owners[username] = pk
                if email:
                    self.owners[email] = pk
        wanted = {a.strip() for a in accounts if a and a.strip()}
        self.accounts: dict[str, int] = dict(
            Account.objects.filter(external_id__in=wanted).values_list("external_id", "pk")) if wanted else {}


def account_row(raw: dict[str, str], lookups: Lookups, errors: Errors) -> dict[str, Any]:
    out: dict[str, Any] = {"external_id": raw["external_id"].strip()}
    if not out["external_id"]:
        errors.append(("external_id", "is required"))
    elif len(out["external_id"]) > 100:
        errors.append(("external_id", "is longer than 100 characters"))
    if "name" in raw:
        out["name"] = raw["name"].strip()[:200]
        if not out["name"]:
            del out["name"]
    if "segment" in raw:
        ref = raw["segment"].strip()
        out["segment_id"] = lookups.segments.get(ref.lower()) if ref else None
        if ref and out["segment_id"] is None:
            errors.append(("segment", f"no segment with name or slug {ref!r}"))
    if "owner" in raw:
        ref = raw["owner"].strip()
        out["owner_id"] = lookups.owners.get(ref.lower()) if ref else None
        if ref and out["owner_id"] is None:
            errors.append(("owner", f"no user with email or username {ref!r}"))
    if "arr" in raw:
        out["arr"] = parse_money(raw["arr"], "arr", errors) or Decimal(0)
    for field, choices, aliases in (("contract_type", Account.ContractType.choices, CONTRACT_ALIASES),
                                    ("lifecycle_stage", Account.Lifecycle.choices, LIFECYCLE_ALIASES),
                                    ("status", Account.Status.choices, STATUS_ALIASES)):
        if field in raw and raw[field].strip():
            out[field] = choice(raw[field], choices, aliases, field, errors)
    for field in ("renewal_date", "contract_start"):
        if field in raw:
            out[field] = parse_date(raw[field], field, errors)
    if "domain" in raw:
        out["domains"] = domains_of(raw["domain"], errors)
    return out


def _account_of(raw: dict[str, str], lookups: Lookups, errors: Errors) -> int | None:
    """The row's account (by external id), or an error naming the field."""
    account = raw["account"].strip()
    account_id = lookups.accounts.get(account)
    if not account:
        errors.append(("account", "is required"))
    elif account_id is None:
        errors.append(("account", f"unknown account {account!r}"))
    return account_id


def contact_row(raw: dict[str, str], lookups: Lookups, errors: Errors) -> dict[str, Any]:
    out: dict[str, Any] = {"account_id": _account_of(raw, lookups, errors)}
    email = raw.get("email", "").strip().lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.append(("email", f"{email!r} is not an email address"))
    out["email"] = email
    name = raw.get("name", "").strip() or " ".join(
        p for p in (raw.get("first_name", "").strip(), raw.get("last_name", "").strip()) if p)
    if not email and not name:
        errors.append(("email", "an email or a name is required"))
    out["name"] = name[:200]  # optional: CRM exports often have only the email
    if "title" in raw:
        out["title"] = raw["title"].strip()[:200]
    if "role" in raw:
        out["role"] = choice(raw["role"], Contact.Role.choices, ROLE_ALIASES, "role", errors)
    for field in ("in_role_since", "left_at"):
        if field in raw:
            out[field] = parse_date(raw[field], field, errors)
    return out


def outcome_row(raw: dict[str, str], lookups: Lookups, errors: Errors) -> dict[str, Any]:
    out: dict[str, Any] = {"account_id": _account_of(raw, lookups, errors)}
    out["kind"] = choice(raw["kind"], Outcome.Kind.choices, KIND_ALIASES, "kind", errors)
    out["date"] = parse_date(raw["date"], "date", errors)
    if out["date"] is None and not any(f == "date" for f, _ in errors):
        errors.append(("date", "is required"))
    out["arr_change"] = parse_money(raw.get("arr_change", ""), "arr_change", errors, signed=True) or Decimal(0)
    out["note"] = raw.get("note", "").strip()[:5000]
    return out


def referenced(kind: str, raws: Sequence[dict[str, str]]) -> dict[str, list[str]]:
    """What a batch's lookups need to read."""
    if kind == "accounts":
        return {"owners": [r.get("owner", "") for r in raws], "accounts": [r.get("external_id", "") for r in raws]}
    return {"accounts": [r.get("account", "") for r in raws]}
