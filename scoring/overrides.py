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
    if reason == Override.Reason.OTHER and not note.strip():
        errors["note"] = "Say what happened when the reason is 'Other'."
    if errors:
        raise ValidationError(errors)
    expires_at = timezone.make_aware(dt.datetime.combine(expires_on, dt.time(23, 59)), timezone.get_current_timezone())
    override = Override.objects.create(
        account=account, reason=reason, effect=effect, value=value, expires_at=expires_at, note=note.strip(), created_by=actor
    )
    audit_record(actor=actor, action="create", obj=override, before=None, after=snapshot(override))
    recompute_enqueue([account.pk])
    return override
