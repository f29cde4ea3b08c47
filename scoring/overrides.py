"""Qualitative overrides: a CSM flags an account (champion left, budget freeze…) with a cap or a penalty."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Account
from scoring.audit import audit_record, snapshot
from scoring.models import Override
from scoring.tasks import recompute_enqueue


def override_errors(
    *, reason: str, effect: str, value: float | None, expires_on: dt.date | None, note: str, now: dt.datetime
) -> dict[str, str]:
    """The rules every override obeys, wherever it is written (the account page, the admin): field → message."""
    errors = {}
    if reason not in Override.Reason.values:
        errors["reason"] = "Choose a reason from the list."
    if effect not in Override.Effect.values:
        errors["effect"] = "Choose cap or penalty."
    if value is None or not 0 <= value <= 100:
        errors["value"] = "The value must be between 0 and 100."
    elif effect == Override.Effect.PENALTY and value == 0:
        errors["value"] = "A penalty of 0 points changes nothing."
    if expires_on is None or expires_on <= timezone.localdate(now):
        errors["expires"] = "The expiry must be a future date."
    elif expires_on > timezone.localdate(now) + dt.timedelta(days=366):
        errors["expires"] = "Overrides last at most a year; set a review date within 12 months."
    if reason == Override.Reason.OTHER and not (note or "").strip():
        errors["note"] = "Say what happened when the reason is 'Other'."
    return errors


def override_expires_at(expires_on: dt.date) -> dt.datetime:
    """An override lasts to the end (23:59) of its expiry day, in the workspace's time zone."""
    return timezone.make_aware(dt.datetime.combine(expires_on, dt.time(23, 59)), timezone.get_current_timezone())


def override_expires_on(expires_at: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(expires_at) if expires_at else None


@transaction.atomic
def override_create(
    *,
    account: Account,
    actor,
    reason: str,
    effect: str,
    value: float,
    expires_on: dt.date,
    note: str = "",
    now: dt.datetime,
) -> Override:
    """Validate and store an override, audit it, and enqueue a recompute of the account.

    Raises ``ValidationError`` keyed by field. Permission is the caller's job
    (accounts.access.get_account_for_user(..., act=True)).
    """
    errors = override_errors(reason=reason, effect=effect, value=value, expires_on=expires_on, note=note, now=now)
    if errors:
        raise ValidationError(errors)
    override = Override.objects.create(
        account=account, reason=reason, effect=effect, value=value, expires_at=override_expires_at(expires_on),
        note=note.strip(), created_by=actor,
    )
    audit_record(actor=actor, action="create", obj=override, before=None, after=snapshot(override))
    recompute_enqueue([account.pk])
    return override


@transaction.atomic
def override_update(*, override: Override, actor, now: dt.datetime) -> Override:
    """Save an edited override (the admin: new expiry, value, note, or revoked) under the same rules
    as a new one, audit it and recompute the account. A revoked override may keep its old expiry."""
    stored = Override.objects.select_for_update().get(pk=override.pk)
    before = snapshot(stored)
    if override.revoked_at is None:
        errors = override_errors(reason=override.reason, effect=override.effect, value=override.value,
                                 expires_on=override_expires_on(override.expires_at), note=override.note, now=now)
        if override.expires_at == stored.expires_at:
            errors.pop("expires", None)  # a note added to an override that has since lapsed
        if errors:
            raise ValidationError(errors)
    override.note = (override.note or "").strip()
    override.save()
    audit_record(actor=actor, action="update", obj=override, before=before, after=snapshot(override))
    recompute_enqueue([override.account_id])
    return override
