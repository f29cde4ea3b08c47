"""Fields of each import kind, and which CSV header names map to them."""

from __future__ import annotations

import re
from dataclasses import dataclass

KINDS = ("accounts", "contacts", "outcomes", "observations")

FIELDS: dict[str, tuple[str, ...]] = {
    "accounts": ("external_id", "name", "segment", "owner", "arr", "contract_type", "renewal_date",
                 "contract_start", "lifecycle_stage", "status", "domain"),
    "contacts": ("account", "email", "name", "first_name", "last_name", "title", "role", "in_role_since",
                 "left_at"),
    "outcomes": ("account", "kind", "date", "arr_change", "note"),
    "observations": ("account", "signal", "value", "observed_at", "key", "source"),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "accounts": ("external_id",),
    "contacts": ("account",),
    "outcomes": ("account", "kind", "date"),
    "observations": ("account", "signal", "value", "observed_at"),
}
# Fields a header may name more than once (the values are joined): several domain or website columns.
MULTI = {"domain"}
IGNORE = ("-", "ignore", "skip")

_ACCOUNT_REF = ("account_external_id", "account_id", "account", "company_id", "external_account_id")
ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "accounts": {
        "external_id": ("external_id", "account_external_id", "account_id", "id", "record_id", "company_id",
                        "crm_id"),
        "name": ("name", "account_name", "company_name", "company"),
        "segment": ("segment", "tier_segment", "customer_segment"),
        "owner": ("owner", "owner_email", "csm", "csm_email", "account_owner", "account_owner_email",
                  "company_owner", "company_owner_email"),
        "arr": ("arr", "annual_recurring_revenue", "arr_usd"),
        "contract_type": ("contract_type", "billing_period"),
        "renewal_date": ("renewal_date", "renewal", "next_renewal_date", "contract_end_date"),
        "contract_start": ("contract_start", "contract_start_date", "customer_since", "start_date"),
        "lifecycle_stage": ("lifecycle_stage", "lifecycle", "lifecyclestage"),
        "status": ("status", "account_status"),
        "domain": ("domain", "domains", "website", "website_url", "url", "company_domain_name"),
    },
    "contacts": {
        "account": _ACCOUNT_REF,
        "email": ("email", "email_address", "contact_email"),
        "name": ("name", "full_name", "contact_name"),
        "first_name": ("first_name", "firstname"),
        "last_name": ("last_name", "lastname"),
        "title": ("title", "job_title", "jobtitle"),
        "role": ("role", "contact_role"),
        "in_role_since": ("in_role_since", "role_since"),
        "left_at": ("left_at", "left_on"),
    },
    "outcomes": {
        "account": _ACCOUNT_REF,
        "kind": ("kind", "outcome", "type", "outcome_type"),
        "date": ("date", "outcome_date", "close_date", "closed_at"),
        "arr_change": ("arr_change", "arr_delta", "amount"),
        "note": ("note", "notes", "reason", "description"),
    },
    "observations": {
        "account": _ACCOUNT_REF,
        "signal": ("signal", "signal_key", "metric", "metric_key"),
        "value": ("value", "metric_value"),
        "observed_at": ("observed_at", "timestamp", "date", "time", "observed"),
        "key": ("key", "idempotency_key"),
        "source": ("source",),
    },
}

PRESETS: dict[str, dict[str, dict[str, str]]] = {
    "hubspot": {
        "accounts": {"Record ID": "external_id", "Company name": "name", "Company Domain Name": "domain",
                     "Website URL": "domain", "Company owner": "owner", "Lifecycle Stage": "lifecycle_stage",
                     "Annual Recurring Revenue": "arr", "Contract start date": "contract_start",
                     "Renewal date": "renewal_date", "Segment": "segment"},
        "contacts": {"Associated Company ID": "account", "Email": "email", "First Name": "first_name",
                     "Last Name": "last_name", "Job Title": "title"},
        "outcomes": {"Associated Company ID": "account", "Deal Stage": "kind", "Close Date": "date",
                     "Amount": "arr_change", "Deal Name": "note"},
        "observations": {"Company ID": "account"},
    },
    "salesforce": {
        "accounts": {"Account ID": "external_id", "Id": "external_id", "Account Name": "name", "Website": "domain",
                     "Owner Email": "owner", "Account Owner Email": "owner", "Type": "status",
                     "Segment__c": "segment", "ARR__c": "arr", "Contract_Start_Date__c": "contract_start",
                     "Renewal_Date__c": "renewal_date"},
        "contacts": {"AccountId": "account", "Account ID": "account", "Email": "email", "Name": "name",
                     "FirstName": "first_name", "LastName": "last_name", "Title": "title"},
        "outcomes": {"AccountId": "account", "Account ID": "account", "StageName": "kind", "CloseDate": "date",
                     "Amount": "arr_change", "Name": "note"},
        "observations": {"AccountId": "account", "Account ID": "account"},
    },
}


def normalise(header: str) -> str:
    """'Company Domain Name' / 'company-domain_name ' → 'company_domain_name'."""
    return re.sub(r"[\s\-.]+", "_", header.strip().lower()).strip("_")


class MappingError(ValueError):
    pass


@dataclass(frozen=True)
class Mapping:
    """Column positions → fields for one file."""

    kind: str
    by_index: dict[int, str]
    ignored: tuple[str, ...]

    @property
    def fields(self) -> set[str]:
        return set(self.by_index.values())


def parse_map_options(options: list[str] | None) -> dict[str, str]:
    """``["Company=name", "Seats=-"]`` → {"Company": "name", "Seats": "-"}."""
    out: dict[str, str] = {}
    for option in options or ():
        column, sep, field = option.rpartition("=")
        if not sep or not column.strip() or not field.strip():
            raise MappingError(f"--map {option!r}: expected COLUMN=FIELD")
        out[column.strip()] = field.strip()
    return out


def _names(kind: str, preset: str | None) -> dict[str, str]:
    """Normalised header name → field: the preset's names first, then the built-in ones."""
    builtin = {alias: field for field, aliases in ALIASES[kind].items() for alias in aliases}
    vendor = {normalise(k): v for k, v in (PRESETS.get(preset or "", {}).get(kind, {})).items()}
    return {**builtin, **vendor}


def column_guess(kind: str, header: list[str], *, preset: str | None = None) -> list[str | None]:
    """Each column's field as ``build_mapping`` would read it without --map (None: ignored). Never raises:
    the admin's mapping page starts from this guess, complete or not."""
    names = _names(kind, preset if preset in PRESETS else None)
    return [names.get(normalise(column)) for column in header]


def build_mapping(kind: str, header: list[str], *, explicit: dict[str, str] | None = None,
                  preset: str | None = None) -> Mapping:
    """Which column is which field: ``explicit`` (--map) first, then the preset, then the built-in names."""
    if kind not in FIELDS:
        raise MappingError(f"unknown kind {kind!r}: one of {', '.join(KINDS)}")
    if preset is not None and preset not in PRESETS:
        raise MappingError(f"unknown preset {preset!r}: one of {', '.join(PRESETS)}")
    explicit = {normalise(k): v for k, v in (explicit or {}).items()}
    for column, field in explicit.items():
        if field not in FIELDS[kind] and field not in IGNORE:
            raise MappingError(f"--map {column}={field}: {field!r} is not a field of {kind} "
                               f"({', '.join(FIELDS[kind])}, or - to ignore)")
    names = _names(kind, preset)
    known = {normalise(h) for h in header}
    missing_explicit = [c for c in explicit if c not in known]
    if missing_explicit:
        raise MappingError(f"--map names column(s) not in the header: {', '.join(missing_explicit)}")
    by_index: dict[int, str] = {}
    ignored: list[str] = []
    for i, column in enumerate(header):
        key = normalise(column)
        field = explicit.get(key) or names.get(key)
        if field is None or field in IGNORE:
            ignored.append(column)
            continue
        if field in by_index.values() and field not in MULTI:
            first = header[next(j for j, f in by_index.items() if f == field)]
            raise MappingError(f"columns {first!r} and {column!r} both map to {field!r}: "
                               f"--map one of them to another field or to -")
        by_index[i] = field
    missing = [f for f in REQUIRED[kind] if f not in by_index.values()]
    if missing:
        raise MappingError(f"no column for required field(s) {', '.join(missing)}; header: {', '.join(header)} "
                           f"(name them with --map COLUMN=FIELD)")
    if kind == "contacts" and not {"email", "name", "first_name", "last_name"} & set(by_index.values()):
        raise MappingError("contacts need an email or a name column")
    return Mapping(kind=kind, by_index=by_index, ignored=tuple(ignored))
