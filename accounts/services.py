"""Writes to accounts, contacts and outcomes (used by the REST API)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower

from accounts.freemail import is_freemail
from accounts.lifecycle import account_lifecycle_sync
from accounts.models import Account, AccountDomain, AccountNote, Contact, Outcome, SavedView
from accounts.roles import Role
from scoring.models import Segment
from scoring.tasks import recompute_enqueue


class AccountInputError(Exception):
    """Input refers to things that do not exist or conflict; ``errors`` maps field → message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


_PLAIN_FIELDS = ("name", "arr", "contract_type", "renewal_date", "lifecycle_stage", "status")


def _owner_lookup(ref: str):
    User = get_user_model()
    return User.objects.filter(Q(username=ref) | Q(email__iexact=ref)).order_by("pk").first()


def owner_candidates(*, account: Account | None):
    """Who may own the account: its team's members and manager; with no team, people who work
    accounts (CSMs and CS managers). Never any user at all (#12: a token made a superuser owner)."""
    User = get_user_model()
    qs = User.objects.filter(is_active=True)
    if account is not None and account.team_id is not None:
        return qs.filter(Q(teams=account.team_id) | Q(managed_teams=account.team_id)).distinct()
    return qs.filter(groups__name__in=[Role.CSM.value, Role.MANAGER.value]).distinct()


def domains_refused(*, domains: list[str], account_external_id: str | None) -> str | None:
    """Why these domains cannot be the account's (a public mail domain, or another account's), or None."""
    public = sorted(d for d in domains if is_freemail(d))
    if public:
        return "public mail domains cannot belong to an account: " + ", ".join(public)
    taken = AccountDomain.objects.filter(domain__in=domains)
    if account_external_id is not None:
        taken = taken.exclude(account__external_id=account_external_id)
    names = sorted(taken.values_list("domain", flat=True))
    if names:
        return "already used by another account: " + ", ".join(names)
    return None


@transaction.atomic
def account_upsert(*, external_id: str, data: dict[str, Any]) -> tuple[Account, bool]:
    """Create or update the account with this external id; return it and whether it was created.

    ``data`` may hold name, segment (slug), owner (username or email), arr,
    contract_type, renewal_date, lifecycle_stage, status and domains (the
    full list: domains not listed are removed). Fields left out keep their value.
    """
    errors: dict[str, str] = {}
    values: dict[str, Any] = {k: data[k] for k in _PLAIN_FIELDS if k in data}
    if "segment" in data:
        slug = data["segment"]
        segment = Segment.objects.filter(slug=slug).first() if slug else None
        if slug and segment is None:
            errors["segment"] = f"unknown segment {slug!r}"
        values["segment"] = segment
    account = Account.objects.select_for_update().filter(external_id=external_id).first()
    if "owner" in data:
        ref = data["owner"]
        owner = _owner_lookup(ref) if ref else None
        if ref and owner is None:
            errors["owner"] = f"no user with username or email {ref!r}"
        elif owner is not None and not owner_candidates(account=account).filter(pk=owner.pk).exists():
            errors["owner"] = f"{ref!r} is not on this account's team"
        values["owner"] = owner
    domains: list[str] | None = None
    if "domains" in data:
        domains = sorted({d.strip().lower().rstrip(".") for d in data["domains"] or [] if d.strip()})
        problem = domains_refused(domains=domains, account_external_id=external_id)
        if problem:
            errors["domains"] = problem
    if account is None and not values.get("name"):
        errors.setdefault("name", "is required to create an account")
    if errors:
        raise AccountInputError(errors)
    created = False
    if account is None:
        # Two requests creating the same account at once: the second INSERT waits for the first
        # to commit, then conflicts; it becomes an update of the row the first one created.
        try:
            with transaction.atomic():
                account = Account.objects.create(external_id=external_id, **values)
            created = True
        except IntegrityError:
            account = Account.objects.select_for_update().get(external_id=external_id)
    if not created and values:
        for key, value in values.items():
            setattr(account, key, value)
        account.save(update_fields=[*values, "updated_at"])
    if domains is not None:
        _domains_set(account, domains)
        contact_tickets_rematch(domains=set(domains))
    recompute_enqueue([account.pk])
    return account, created


def contact_tickets_rematch(*, emails: set[str] = frozenset(), domains: set[str] = frozenset()) -> None:
    """Unmatched tickets that a new contact or domain fits are matched now (support owns tickets)."""
    from support.services import tickets_rematch

    tickets_rematch(emails=emails, domains=domains)


def _domains_set(account: Account, domains: list[str]) -> None:
    """Make ``domains`` the account's list; ON CONFLICT DO NOTHING, then check who holds each one.

    A domain claimed by another request at the same moment is refused like one already taken (400,
    and the whole upsert rolls back), never a 500.
    """
    AccountDomain.objects.filter(account=account).exclude(domain__in=domains).delete()
    AccountDomain.objects.bulk_create([AccountDomain(account=account, domain=d) for d in domains], ignore_conflicts=True)
    taken = sorted(
        AccountDomain.objects.filter(domain__in=domains).exclude(account=account).values_list("domain", flat=True)
    )
    if taken:
        raise AccountInputError({"domains": "already used by another account: " + ", ".join(taken)})


def contact_emails_of_other_accounts(*, account: Account, contacts: list[dict[str, Any]]) -> list[str]:
    """Emails on a domain another account owns, or already another account's contact: such a contact
    would pull that account's tickets and badges to this one (a contact's email wins when tickets
    are matched, #12)."""
    emails = {(c.get("email") or "").strip().lower() for c in contacts} - {""}
    if not emails:
        return []
    domains = {e.rpartition("@")[2] for e in emails}
    owned = AccountDomain.objects.filter(domain__in=domains)
    known = Contact.objects.annotate(email_l=Lower("email")).filter(email_l__in=emails)
    if account.pk is not None:  # an account being created (admin) owns nothing yet
        owned, known = owned.exclude(account=account), known.exclude(account=account)
    owned = set(owned.values_list("domain", flat=True))
    known = set(known.values_list("email_l", flat=True))
    return sorted(e for e in emails if e.rpartition("@")[2] in owned or e in known)


@dataclass
class ContactsResult:
    created: int
    updated: int
    contacts: list[Contact]


@transaction.atomic
def contacts_upsert(*, account: Account, contacts: list[dict[str, Any]], replace: bool = False) -> ContactsResult:
    """Create or update contacts of the account, matched by email (else by name).

    With ``replace`` the list is the full set: contacts not in it are deleted. Upserts of one
    account's contacts take turns (a lock on the account row), so two at once never insert the same
    contact twice or fail on the unique email: the second sees what the first wrote.
    """
    Account.objects.select_for_update().filter(pk=account.pk).values_list("pk", flat=True).first()
    other = contact_emails_of_other_accounts(account=account, contacts=contacts)
    if other:
        raise AccountInputError(
            {"contacts": "these emails belong to another account (its domain or its contact): " + ", ".join(other)}
        )
    existing = list(Contact.objects.filter(account=account))
    by_email = {c.email.lower(): c for c in existing if c.email}
    by_name = {c.name: c for c in existing if not c.email}
    fields = ("name", "email", "title", "role", "in_role_since", "left_at", "last_touch_at")
    to_create: list[Contact] = []
    to_update: list[Contact] = []
    kept: list[Contact] = []
    for data in contacts:
        email = (data.get("email") or "").strip().lower()
        contact = by_email.get(email) if email else by_name.get(data["name"])
        if contact is None:
            contact = Contact(account=account)
            to_create.append(contact)
        else:
            to_update.append(contact)
        for key in fields:
            if key in data:
                setattr(contact, key, data[key] if key != "email" else email)
        kept.append(contact)
    Contact.objects.bulk_create(to_create)
    if to_update:
        Contact.objects.bulk_update(to_update, list(fields))
    if replace:
        Contact.objects.filter(account=account).exclude(pk__in=[c.pk for c in kept]).delete()
    contact_tickets_rematch(emails={c.email for c in to_create + to_update if c.email})
    return ContactsResult(created=len(to_create), updated=len(to_update), contacts=kept)


@transaction.atomic
def outcome_record(
    *, account: Account, kind: str, date: dt.date, arr_change: Decimal | float = 0, note: str = ""
) -> tuple[Outcome, bool]:
    """Record a renewal/churn/expansion/contraction; the same (account, kind, date) updates in place."""
    outcome, created = Outcome.objects.update_or_create(
        account=account, kind=kind, date=date, defaults={"arr_change": arr_change, "note": note}
    )
    account_lifecycle_sync(account_ids=[account.pk])
    account.refresh_from_db(fields=["status", "churned_on"])
    return outcome, created


NOTE_MAX = 5000


def account_note_add(*, account: Account, author, body: str) -> AccountNote:
    """Add a note to an account's timeline; refuses an empty or over-long note (keyed by field)."""
    from django.core.exceptions import ValidationError

    text = body.strip()
    if not text:
        raise ValidationError({"body": "Write the note first."})
    if len(text) > NOTE_MAX:
        raise ValidationError({"body": f"A note holds at most {NOTE_MAX} characters; this one has {len(text)}."})
    return AccountNote.objects.create(account=account, author=author, body=text)


def saved_view_save(*, user, page: str, name: str, query: str) -> SavedView:
    """Save (or overwrite, by name) the person's filters of a list page."""
    from django.core.exceptions import ValidationError

    name = name.strip()
    if page not in SavedView.Page.values:
        raise ValidationError({"page": "Unknown page."})
    if not name:
        raise ValidationError({"name": "Name the view."})
    if len(name) > 60:
        raise ValidationError({"name": "A view's name has at most 60 characters."})
    if len(query) > 1000:
        raise ValidationError({"query": "These filters are too long to save."})
    view, _ = SavedView.objects.update_or_create(user=user, page=page, name=name, defaults={"query": query.lstrip("?")})
    return view
