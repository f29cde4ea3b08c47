"""The standard signal set and default weights, from the seed guides.

Used by ``seed_demo`` and the test suite, and a sensible starting point for a
new installation: eight signals across usage, engagement, support,
relationship and commercial categories.
"""

from __future__ import annotations

from django.utils import timezone

from scoring.models import (
    CategoryWeight,
    ScoreModel,
    ScoreModelVersion,
    Segment,
    SignalDefinition,
    SignalWeight,
)

# key, label, category, direction, bad, good, aggregation, window, half-life, missing policy, unit, description
STANDARD_SIGNALS = [
    ("active_user_rate", "Active-user rate", "usage", "higher", 10, 70, "mean", 30, 14, "decay", "%",
     "Share of licensed users active in the period (DAU/MAU style); silence decays toward 10 %."),
    ("weekly_logins", "Logins per week", "usage", "higher", 0, 3, "mean", 28, 14, "decay", "logins",
     "Logins per week across the account (healthy: at least 3); silence decays toward zero."),
    ("core_feature_adoption", "Core-feature adoption", "engagement", "higher", 10, 50, "latest", 30, None, "exclude", "%",
     "Share of the core features the account uses (2 of 5, 40 %, is healthy)."),
    ("open_tickets", "Open support tickets", "support", "lower", 5, 0, "latest", 14, None, "neutral", "tickets",
     "Tickets open or pending right now."),
    ("ticket_age_days", "Age of oldest open ticket", "support", "lower", 21, 1, "latest", 14, None, "neutral", "days",
     "Days since the oldest open ticket was opened."),
    ("nps", "NPS response", "relationship", "higher", -50, 50, "mean", 180, 60, "neutral", "points",
     "Net-promoter responses from the account's users."),
    ("days_to_renewal", "Days to renewal", "commercial", "higher", 15, 120, "latest", 30, None, "neutral", "days",
     "Days until the contract renews; little runway is a risk."),
    ("payment_health", "Payment health", "commercial", "higher", 0, 100, "latest", 60, None, "neutral", "%",
     "Invoices paid on time, as a share."),
]

# Bounds follow the guides' healthy profile (000: "logs in at least three times per week, has
# adopted two or more core features, submits fewer than two support tickets per month"): that
# profile scores green on the standard weights, its at-risk mirror (a login every other week, one
# core feature, four tickets open two weeks) red — tests/scoring/test_guides_examples.py.
# Usage signals decay on silence (missing policy "decay"): data that stops arriving lowers the
# score instead of dropping out of it.

# Plausible range of one observation (min, max): outside it, ingest refuses the value.
STANDARD_RANGES = {
    "active_user_rate": (0, 100),
    "weekly_logins": (0, 1_000_000),
    "core_feature_adoption": (0, 100),
    "open_tickets": (0, 100_000),
    "ticket_age_days": (0, 3650),
    "nps": (-100, 100),
    "days_to_renewal": (-3650, 3650),
    "payment_health": (0, 100),
}

STANDARD_CATEGORY_WEIGHTS = {"usage": 40, "engagement": 20, "support": 15, "relationship": 15, "commercial": 10}
STANDARD_SIGNAL_WEIGHTS = {
    "active_user_rate": 60,
    "weekly_logins": 40,
    "core_feature_adoption": 100,
    "open_tickets": 50,
    "ticket_age_days": 50,
    "nps": 100,
    "days_to_renewal": 30,
    "payment_health": 70,
}
# Enterprise accounts: relationship (champion, sponsor, NPS) matters more, usage a little less.
ENTERPRISE_CATEGORY_WEIGHTS = {"usage": 30, "engagement": 20, "support": 15, "relationship": 25, "commercial": 10}


def signal_defaults(row: tuple) -> dict:
    key, label, cat, direction, bad, good, agg, window, half_life, missing, unit, description = row
    return dict(
        label=label, category=cat, direction=direction, bad_value=bad, good_value=good, aggregation=agg,
        window_days=window, half_life_days=half_life, missing_policy=missing, unit=unit,
        stale_after_days=max(window, 30), description=description,
        min_value=STANDARD_RANGES.get(key, (None, None))[0], max_value=STANDARD_RANGES.get(key, (None, None))[1],
    )


def standard_signals_create() -> dict[str, SignalDefinition]:
    """Create (or update) the standard signal definitions; by key."""
    signals = {}
    for row in STANDARD_SIGNALS:
        signals[row[0]], _ = SignalDefinition.objects.update_or_create(key=row[0], defaults=signal_defaults(row))
    return signals


def standard_model_signals() -> dict[str, SignalDefinition]:
    """The standard signals and the derived relationship and support signals (scoring.derived), by key."""
    from scoring.derived import derived_signals_create

    return {**standard_signals_create(), **derived_signals_create()}


def model_version_create(
    *,
    segment: Segment,
    signals: dict[str, SignalDefinition],
    category_weights: dict[str, float] | None = None,
    signal_weights: dict[str, float] | None = None,
    status: str = ScoreModelVersion.Status.PUBLISHED,
    number: int = 1,
    actor=None,
    notes: str = "",
) -> ScoreModelVersion:
    """A version of the segment's model (the model is created if needed) with its weights (default: standard)."""
    model, _ = ScoreModel.objects.get_or_create(segment=segment, defaults={"name": f"{segment.name} health"})
    published = status == ScoreModelVersion.Status.PUBLISHED
    version = ScoreModelVersion.objects.create(
        model=model, number=number, status=status, created_by=actor, notes=notes,
        published_by=actor if published else None, published_at=timezone.now() if published else None,
    )
    CategoryWeight.objects.bulk_create(
        CategoryWeight(version=version, category=c, weight=w)
        for c, w in (category_weights or STANDARD_CATEGORY_WEIGHTS).items()
    )
    if signal_weights is None:  # the standard weights, with the derived block for the derived signals given
        from scoring.derived import DERIVED_SIGNAL_WEIGHTS

        signal_weights = {**STANDARD_SIGNAL_WEIGHTS, **{k: w for k, w in DERIVED_SIGNAL_WEIGHTS.items() if k in signals}}
    SignalWeight.objects.bulk_create(
        SignalWeight(version=version, signal=signals[k], weight=w) for k, w in signal_weights.items()
    )
    return version
