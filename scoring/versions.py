"""Model versions: clone the published (or any) version as a draft, publish a draft."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q

from accounts.models import Account
from scoring.audit import audit_record, snapshot
from scoring.models import (
    CategoryWeight,
    ScoreChange,
    ScoreModelVersion,
    SignalDefinition,
    SignalWeight,
)
from scoring.tasks import recompute_enqueue


def _content(version: ScoreModelVersion) -> dict:
    """The version's fields and weights, for the audit trail."""
    data = snapshot(version) or {}
    data["category_weights"] = dict(version.category_weights.values_list("category", "weight"))
    data["signal_weights"] = dict(version.signal_weights.values_list("signal__key", "weight"))
    return data


def version_clone_as_draft(*, version: ScoreModelVersion, actor) -> ScoreModelVersion:
    """A new draft of the same model with the same thresholds, rules and weights."""
    with transaction.atomic():
        number = (version.model.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        draft = ScoreModelVersion.objects.create(
            model=version.model, number=number, status=ScoreModelVersion.Status.DRAFT,
            green_threshold=version.green_threshold, yellow_threshold=version.yellow_threshold,
            hold_days=version.hold_days, rapid_decline_points=version.rapid_decline_points,
            rapid_decline_days=version.rapid_decline_days, notes=f"Draft cloned from v{version.number}.",
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        CategoryWeight.objects.bulk_create(
            CategoryWeight(version=draft, category=c.category, weight=c.weight) for c in version.category_weights.all()
        )
        SignalWeight.objects.bulk_create(
            SignalWeight(version=draft, signal_id=s.signal_id, weight=s.weight) for s in version.signal_weights.all()
        )
        audit_record(actor=actor, action="clone", obj=draft, before={"cloned_from": version.pk}, after=_content(draft))
    return draft


def _affected_accounts(version: ScoreModelVersion) -> list[int]:
    """Accounts scored by this version once it is published."""
    segment = version.model.segment
    accounts = Account.objects.filter(status=Account.Status.ACTIVE)
    if segment.is_default:
        # Its own accounts, accounts without a segment, and segments without a published model.
        covered = ScoreModelVersion.objects.filter(status=ScoreModelVersion.Status.PUBLISHED).exclude(
            model__segment=segment
        ).values("model__segment_id")
        accounts = accounts.filter(Q(segment=segment) | Q(segment__isnull=True) | ~Q(segment_id__in=covered))
    else:
        accounts = accounts.filter(segment=segment)
    return list(accounts.values_list("pk", flat=True))


def version_publish(*, version: ScoreModelVersion, actor, now: dt.datetime) -> None:
    """Publish a draft: retire the previous published version, audit, recompute the affected accounts.

    The recompute compares each account's stored model version with this one,
    so the change-log entries it writes carry cause "model_version".
    """
    with transaction.atomic():
        version = ScoreModelVersion.objects.select_for_update().select_related("model__segment").get(pk=version.pk)
        if version.status != ScoreModelVersion.Status.DRAFT:
            raise ValidationError(f"Only a draft can be published; {version} is {version.get_status_display().lower()}.")
        if not version.category_weights.filter(weight__gt=0).exists() or not version.signal_weights.filter(
            weight__gt=0
        ).exists():
            raise ValidationError("A version needs at least one positive category weight and one positive signal weight.")
        previous = version.model.versions.filter(status=ScoreModelVersion.Status.PUBLISHED).first()
        if previous is not None:
            before_prev = snapshot(previous)
            previous.status = ScoreModelVersion.Status.RETIRED
            previous.save(update_fields=["status"])
            audit_record(actor=actor, action="retire", obj=previous, before=before_prev, after=snapshot(previous))
        before = _content(version)
        version.status = ScoreModelVersion.Status.PUBLISHED
        version.published_at = now
        version.published_by = actor if getattr(actor, "is_authenticated", False) else None
        version.save(update_fields=["status", "published_at", "published_by"])
        after = _content(version)
        after["previous_version"] = previous.pk if previous else None
        audit_record(actor=actor, action="publish", obj=version, before=before, after=after)
        recompute_enqueue(_affected_accounts(version))


# The fields of a signal definition that change how it scores (min/max only guard the way in).
SIGNAL_SCORING_FIELDS = ("direction", "bad_value", "good_value", "aggregation", "window_days", "half_life_days",
                         "stale_after_days", "missing_policy", "active")


def signal_affected_accounts(signal: SignalDefinition) -> list[int]:
    """Active accounts scored by a published version that weighs this signal."""
    versions = ScoreModelVersion.objects.filter(
        status=ScoreModelVersion.Status.PUBLISHED, signal_weights__signal=signal
    ).select_related("model__segment").distinct()
    return sorted({aid for version in versions for aid in _affected_accounts(version)})


def signal_definition_save(*, signal: SignalDefinition, actor) -> list[int]:
    """Save a signal definition (new or edited), audit it, and when a scoring field changed,
    recompute every account it scores; their change-log entries say "signal definition changed",
    never "data". Returns the accounts queued."""
    with transaction.atomic():
        stored = SignalDefinition.objects.select_for_update().filter(pk=signal.pk).first() if signal.pk else None
        before = snapshot(stored)
        signal.save()
        audit_record(actor=actor, action="update" if stored else "create", obj=signal, before=before,
                     after=snapshot(signal))
        if stored is None or all(getattr(stored, f) == getattr(signal, f) for f in SIGNAL_SCORING_FIELDS):
            return []
        accounts = signal_affected_accounts(signal)
        recompute_enqueue(accounts, cause=ScoreChange.Cause.SIGNAL_DEFINITION)
    return accounts
