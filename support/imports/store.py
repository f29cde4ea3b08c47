"""Validate and write one batch of an import, set-based (a few queries per batch and table).

``batch_validate`` returns the clean rows or the errors as ``ItemError(index, field, message)`` — the
observations API's format. ``batch_store`` writes a validated batch in one transaction. ``historical``:
no recompute is enqueued (nothing per row, no tasks, no notifications); build the history afterwards with
``recompute_scores --from/--to``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.freemail import is_freemail
from accounts.lifecycle import account_lifecycle_sync
from accounts.models import Account, AccountDomain, Contact, Outcome
from scoring.ingest import (
    IngestValidationError,
    ItemError,
    observations_rows_store,
    observations_validate,
)
from support.imports import rows as parse

ACCOUNT_FIELDS = ("name", "segment_id", "owner_id", "arr", "contract_type", "renewal_date", "contract_start",
                  "lifecycle_stage", "status")


@dataclass
class Validated:
    kind: str
    rows: list[Any]
    errors: list[ItemError] = field(default_factory=list)


@dataclass
class Stored:
    created: int = 0
    updated: int = 0
    duplicates: int = 0
    account_ids: set[int] = field(default_factory=set)

    def add(self, other: Stored) -> None:
        self.created += other.created
        self.updated += other.updated
        self.duplicates += other.duplicates


@dataclass
class FileWide:
    """What must hold across a whole file, not only within one batch: a domain names one account, a contact
    appears once. The check pass keeps one entry per domain and per contact (not per row) with where it was
    first seen ("line 12")."""

    domains: dict[str, tuple[str, str]] = field(default_factory=dict)  # domain -> (where, external id)
    contacts: dict[tuple, str] = field(default_factory=dict)  # contact key -> where


def batch_validate(kind: str, raws: list[dict[str, str]], *, now: dt.datetime, source: str = "csv",
                   account_restriction: int | None = None, wide: FileWide | None = None,
                   where: Callable[[int], str] = lambda index: f"item {index}") -> Validated:
    """``wide``: the file's state so far (the check pass of a CSV import), so a batch is also checked against
    the batches before it; ``where(index)`` names a row in messages."""
    if kind == "observations":
        items = [{k: v for k, v in r.items() if v != "" or k in ("account", "signal", "value", "observed_at")}
                 for r in raws]
        try:
            return Validated(kind, observations_validate(items=items, source=source, now=now, max_items=None,
                                                         account_restriction=account_restriction))
        except IngestValidationError as exc:
            return Validated(kind, [], exc.errors)
    lookups = parse.Lookups(**parse.referenced(kind, raws))
    if account_restriction is not None:  # a token restricted to one account sees no other
        lookups.accounts = {k: v for k, v in lookups.accounts.items() if v == account_restriction}
    row_of = {"accounts": parse.account_row, "contacts": parse.contact_row, "outcomes": parse.outcome_row}[kind]
    out = Validated(kind, [])
    for index, raw in enumerate(raws):
        errors: parse.Errors = []
        clean = row_of(raw, lookups, errors)
        if kind == "accounts" and not errors and clean["external_id"] not in lookups.accounts and not clean.get("name"):
            errors.append(("name", "is required to create an account"))
        out.errors += [ItemError(index, f, m) for f, m in errors]
        out.rows.append(clean)
    wide = wide if wide is not None else FileWide()
    if kind == "accounts" and not out.errors:
        _check_domains(out, wide, where)
    if kind == "accounts" and not out.errors and account_restriction is not None:
        for index, clean in enumerate(out.rows):
            if lookups.accounts.get(clean["external_id"]) != account_restriction:
                out.errors.append(ItemError(index, "external_id", "this token may only write its own account"))
        _check_restricted_owners(out, account_restriction)
    if kind == "contacts" and not out.errors and account_restriction is not None:
        _check_restricted_contacts(out, account_restriction)
    if kind == "contacts" and not out.errors:
        for index, clean in enumerate(out.rows):
            key = (clean["account_id"], clean["email"] or None, None if clean["email"] else clean["name"])
            if key in wide.contacts:
                out.errors.append(ItemError(index, "email", f"repeats the contact of {wide.contacts[key]}"))
            wide.contacts.setdefault(key, where(index))
    return out


def _check_domains(validated: Validated, wide: FileWide, where: Callable[[int], str]) -> None:
    owner: dict[str, tuple[int, str]] = {}  # this batch's domains, for the database check
    for index, clean in enumerate(validated.rows):
        for domain in clean.get("domains", ()):
            if is_freemail(domain):  # #12: claiming gmail.com took every gmail requester's tickets
                validated.errors.append(ItemError(index, "domain", f"{domain} is a public mail domain"))
            first = wide.domains.get(domain)
            if first is not None and first[1] != clean["external_id"]:
                validated.errors.append(ItemError(index, "domain", f"{domain} is also given to "
                                                                   f"{first[1]!r} ({first[0]})"))
            wide.domains.setdefault(domain, (where(index), clean["external_id"]))
            owner.setdefault(domain, (index, clean["external_id"]))
    taken = AccountDomain.objects.filter(domain__in=list(owner)).values_list("domain", "account__external_id")
    for domain, external_id in taken:
        index, wanted = owner[domain]
        if external_id != wanted:
            validated.errors.append(ItemError(index, "domain", f"{domain} already belongs to account {external_id!r}"))


def _check_restricted_owners(validated: Validated, account_id: int) -> None:
    """A restricted token sets owners only to people of its account's team (accounts.services)."""
    from accounts.services import owner_candidates

    wanted = {clean["owner_id"] for clean in validated.rows if clean.get("owner_id")}
    if not wanted:
        return
    allowed = set(owner_candidates(account=Account.objects.get(pk=account_id)).filter(pk__in=wanted).values_list("pk", flat=True))
    for index, clean in enumerate(validated.rows):
        if clean.get("owner_id") and clean["owner_id"] not in allowed:
            validated.errors.append(ItemError(index, "owner", "is not on this account's team"))


def _check_restricted_contacts(validated: Validated, account_id: int) -> None:
    """A restricted token cannot add a contact on another account's domain or another account's contact."""
    from accounts.services import contact_emails_of_other_accounts

    account = Account.objects.get(pk=account_id)
    other = set(contact_emails_of_other_accounts(account=account, contacts=validated.rows))
    for index, clean in enumerate(validated.rows):
        if clean.get("email") in other:
            validated.errors.append(ItemError(index, "email", "belongs to another account (its domain or its contact)"))


def batch_store(validated: Validated, *, historical: bool = False, dry_run: bool = False) -> Stored:
    """Write one validated batch in one transaction (nothing of it is saved if any part fails)."""
    assert not validated.errors
    if validated.kind == "observations":
        result = observations_rows_store(rows=validated.rows, dry_run=dry_run, recompute=not historical)
        return Stored(created=len(result.created), duplicates=len(result.duplicates),
                      account_ids=set(result.account_ids))
    if dry_run:
        return Stored()
    with transaction.atomic():
        stored = {"accounts": _accounts, "contacts": _contacts, "outcomes": _outcomes}[validated.kind](
            validated.rows, historical)
    if not historical and stored.account_ids and validated.kind != "outcomes":
        from scoring.tasks import recompute_enqueue

        recompute_enqueue(stored.account_ids)  # on commit; live imports score at once, historical ones never
    return stored


def _accounts(rows: list[dict], historical: bool) -> Stored:
    present = sorted({f for r in rows for f in r if f in ACCOUNT_FIELDS})
    existing = dict(Account.objects.filter(external_id__in=[r["external_id"] for r in rows])
                    .values_list("external_id", "pk"))
    now = timezone.now()
    merged: dict[str, dict] = {}
    for r in rows:  # the same account twice in a batch: the later row wins, field by field
        merged.setdefault(r["external_id"], {}).update(r)
    objs = []
    for ext, r in merged.items():
        values = {f: r[f] for f in ACCOUNT_FIELDS if f in r}
        objs.append(Account(external_id=ext, created_at=now, updated_at=now, **values))
    Account.objects.bulk_create(objs, batch_size=1000, update_conflicts=True, unique_fields=["external_id"],
                                update_fields=[*present, "updated_at"])
    pks = dict(Account.objects.filter(external_id__in=list(merged)).values_list("external_id", "pk"))
    domains = [AccountDomain(account_id=pks[ext], domain=d) for ext, r in merged.items() for d in r.get("domains", ())]
    AccountDomain.objects.bulk_create(domains, batch_size=1000, ignore_conflicts=True)
    if domains:
        from support.services import tickets_rematch  # unmatched tickets that a new domain fits

        tickets_rematch(domains={d.domain for d in domains})
    created = sum(1 for ext in merged if ext not in existing)
    return Stored(created=created, updated=len(merged) - created, account_ids=set(pks.values()))


def _contacts(rows: list[dict], historical: bool) -> Stored:
    accounts = {r["account_id"] for r in rows}
    existing = list(Contact.objects.filter(account_id__in=accounts))
    by_email = {(c.account_id, c.email.lower()): c for c in existing if c.email}
    by_name = {(c.account_id, c.name): c for c in existing if not c.email}
    fields = ("name", "email", "title", "role", "in_role_since", "left_at")
    new, changed = [], []
    for r in rows:
        contact = by_email.get((r["account_id"], r["email"])) if r["email"] else by_name.get((r["account_id"], r["name"]))
        if contact is None:
            contact = Contact(account_id=r["account_id"])
            new.append(contact)
        else:
            changed.append(contact)
        for f in fields:
            if f in r and (f != "name" or r[f] or contact.pk is None):
                setattr(contact, f, r[f])
    Contact.objects.bulk_create(new, batch_size=1000)
    if changed:
        Contact.objects.bulk_update(changed, list(fields), batch_size=1000)
    from support.services import (
        tickets_rematch,  # unmatched tickets that a new contact's email fits
    )

    tickets_rematch(emails={c.email for c in new + changed if c.email})
    return Stored(created=len(new), updated=len(changed), account_ids=accounts)


def _outcomes(rows: list[dict], historical: bool) -> Stored:
    keys = {(r["account_id"], r["kind"], r["date"]) for r in rows}
    existing = set(Outcome.objects.filter(account_id__in={k[0] for k in keys}, date__in={k[2] for k in keys})
                   .values_list("account_id", "kind", "date")) & keys
    merged = {(r["account_id"], r["kind"], r["date"]): r for r in rows}
    now = timezone.now()
    Outcome.objects.bulk_create(
        [Outcome(account_id=a, kind=k, date=d, arr_change=r["arr_change"], note=r["note"], created_at=now)
         for (a, k, d), r in merged.items()],
        batch_size=1000, update_conflicts=True, unique_fields=["account", "kind", "date"],
        update_fields=["arr_change", "note"])
    ids = {k[0] for k in keys}
    # A churn ends the account on its date (tasks closed, later snapshots gone); a renewal after it
    # reactivates it — rescored at once unless the import is historical.
    account_lifecycle_sync(account_ids=ids, recompute=not historical)
    counts = Counter(k in existing for k in merged)
    return Stored(created=counts[False], updated=counts[True], account_ids=ids)
