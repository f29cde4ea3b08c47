"""factory-boy factories and a standard scoring setup shared by the suite."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import factory
from django.utils import timezone

from accounts.models import Account
from scoring.models import (
    Observation,
    ScoreModel,
    ScoreModelVersion,
    Segment,
    SignalDefinition,
)
from scoring.standard import (  # noqa: F401  (re-exported for tests)
    STANDARD_CATEGORY_WEIGHTS,
    STANDARD_SIGNAL_WEIGHTS,
    STANDARD_SIGNALS,
    model_version_create,
    signal_defaults,
    standard_signals_create,
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


@dataclass
class ScoringSetup:
    segment: Segment
    model: ScoreModel
    version: ScoreModelVersion
    signals: dict[str, SignalDefinition]


def create_standard_signals() -> dict[str, SignalDefinition]:
    return standard_signals_create()


def create_published_version(
    segment: Segment,
    signals: dict[str, SignalDefinition],
    *,
    category_weights: dict[str, float] | None = None,
    signal_weights: dict[str, float] | None = None,
    status: str = ScoreModelVersion.Status.PUBLISHED,
    number: int = 1,
) -> ScoreModelVersion:
    return model_version_create(segment=segment, signals=signals, category_weights=category_weights,
                                signal_weights=signal_weights, status=status, number=number)


def standard_scoring_setup() -> ScoringSetup:
    segment, _ = Segment.objects.get_or_create(slug="default", defaults={"name": "Default", "is_default": True})
    signals = create_standard_signals()
    version = create_published_version(segment, signals)
    return ScoringSetup(segment=segment, model=version.model, version=version, signals=signals)
