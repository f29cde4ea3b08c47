"""factory-boy factories and a standard scoring setup shared by the suite."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import factory
from django.utils import timezone

from accounts.models import Account
from scoring.models import (
    CategoryWeight,
    Observation,
    ScoreModel,
    ScoreModelVersion,
    Segment,
    SignalDefinition,
    SignalWeight,
)


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Segment
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Segment {n}")
    slug = factory.Sequence(lambda n: f"segment-{n}")


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Account {n}")
    external_id = factory.Sequence(lambda n: f"acct-{n:05d}")
    arr = 50000
    renewal_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=200))


class SignalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SignalDefinition
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"signal_{n}")
    label = factory.LazyAttribute(lambda o: o.key.replace("_", " ").capitalize())
    category = "usage"
    bad_value = 0
    good_value = 100
    aggregation = "latest"
    window_days = 30


def observe(account: Account, signal: SignalDefinition, value: float, at: dt.datetime, source: str = "test") -> Observation:
    return Observation.objects.create(
        account=account,
        signal=signal,
        value=value,
        observed_at=at,
        source=source,
        idempotency_key=f"{account.pk}|{signal.pk}|{at.isoformat()}|{source}",
    )


# The eight signals of the seed guides, with thresholds a CS team would start from.
STANDARD_SIGNALS = [
    # key, label, category, direction, bad, good, aggregation, window, half-life, missing policy, unit
    ("active_user_rate", "Active-user rate", "usage", "higher", 10, 70, "mean", 30, 14, "exclude", "%"),
    ("weekly_logins", "Logins per week", "usage", "higher", 1, 25, "mean", 28, 14, "zero", "logins"),
    ("core_feature_adoption", "Core-feature adoption", "engagement", "higher", 10, 80, "latest", 30, None, "exclude", "%"),
    ("open_tickets", "Open support tickets", "support", "lower", 8, 0, "latest", 14, None, "neutral", "tickets"),
    ("ticket_age_days", "Age of oldest open ticket", "support", "lower", 21, 1, "latest", 14, None, "neutral", "days"),
    ("nps", "NPS response", "relationship", "higher", -50, 50, "mean", 180, 60, "neutral", "points"),
    ("days_to_renewal", "Days to renewal", "commercial", "higher", 15, 120, "latest", 30, None, "neutral", "days"),
    ("payment_health", "Payment health", "commercial", "higher", 0, 100, "latest", 60, None, "neutral", "%"),
]

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


@dataclass
class ScoringSetup:
    segment: Segment
    model: ScoreModel
    version: ScoreModelVersion
    signals: dict[str, SignalDefinition]


def create_standard_signals() -> dict[str, SignalDefinition]:
    signals = {}
    for key, label, cat, direction, bad, good, agg, window, half_life, missing, unit in STANDARD_SIGNALS:
        signals[key], _ = SignalDefinition.objects.update_or_create(
            key=key,
            defaults=dict(
                label=label, category=cat, direction=direction, bad_value=bad, good_value=good, aggregation=agg,
                window_days=window, half_life_days=half_life, missing_policy=missing, unit=unit,
                stale_after_days=max(window, 30),
            ),
        )
    return signals


def create_published_version(
    segment: Segment,
    signals: dict[str, SignalDefinition],
    *,
    category_weights: dict[str, float] | None = None,
    signal_weights: dict[str, float] | None = None,
    status: str = ScoreModelVersion.Status.PUBLISHED,
    number: int = 1,
) -> ScoreModelVersion:
    model, _ = ScoreModel.objects.get_or_create(segment=segment, defaults={"name": f"{segment.name} health"})
    version = ScoreModelVersion.objects.create(
        model=model, number=number, status=status, published_at=timezone.now() if status == "published" else None
    )
    for category, weight in (category_weights or STANDARD_CATEGORY_WEIGHTS).items():
        CategoryWeight.objects.create(version=version, category=category, weight=weight)
    for key, weight in (signal_weights or STANDARD_SIGNAL_WEIGHTS).items():
        SignalWeight.objects.create(version=version, signal=signals[key], weight=weight)
    return version


def standard_scoring_setup() -> ScoringSetup:
    segment, _ = Segment.objects.get_or_create(slug="default", defaults={"name": "Default", "is_default": True})
    signals = create_standard_signals()
    version = create_published_version(segment, signals)
    return ScoringSetup(segment=segment, model=version.model, version=version, signals=signals)
