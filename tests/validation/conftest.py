"""A three-signal model and helpers that write snapshot histories directly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from accounts.models import Account, Outcome
from scoring.backtest_rescore import rescore
from scoring.engine import tier_for
from scoring.models import ScoreModelVersion, ScoreSnapshot, Segment, SignalDefinition
from scoring.validation import version_weights
from tests.factories import AccountFactory, SignalFactory, create_published_version

# x: usage, y: support, z: relationship; published v1: 0.4·x + 0.3·y + 0.3·z
CATEGORY_WEIGHTS = {"usage": 40, "support": 30, "relationship": 30}
SIGNAL_WEIGHTS = {"x": 1, "y": 1, "z": 1}


@dataclass
class Mini:
    segment: Segment
    version: ScoreModelVersion
    signals: dict[str, SignalDefinition]


@pytest.fixture
def mini(db) -> Mini:
    segment, _ = Segment.objects.get_or_create(slug="default", defaults={"name": "Default", "is_default": True})
    signals = {
        "x": SignalFactory(key="x", label="Usage X", category="usage", missing_policy="neutral"),
        "y": SignalFactory(key="y", label="Support Y", category="support", missing_policy="neutral"),
        "z": SignalFactory(key="z", label="Relationship Z", category="relationship", missing_policy="neutral"),
    }
    version = create_published_version(
        segment, signals, category_weights=CATEGORY_WEIGHTS, signal_weights=SIGNAL_WEIGHTS
    )
    return Mini(segment, version, signals)


def components(subs: dict[str, float | None]) -> dict:
    return {
        "signals": [
            {"key": k, "category": {"x": "usage", "y": "support", "z": "relationship"}[k], "sub_score": s}
            for k, s in subs.items()
        ]
    }


def write_history(version: ScoreModelVersion, account: Account, days: dict[date, dict[str, float]]) -> None:
    """One snapshot per given day, scored (raw tier = tier) with ``version``'s weights."""
    weights = version_weights(version)
    rows = []
    for when, subs in sorted(days.items()):
        comp = components(subs)
        score = rescore(comp, weights)
        tier = tier_for(score, weights.spec())
        comp.update(score=score, raw_score=score)
        rows.append(ScoreSnapshot(account=account, date=when, score=score, raw_tier=tier, tier=tier,
                                  model_version=version, components=comp))
    ScoreSnapshot.objects.bulk_create(rows)


def outcome_world(version: ScoreModelVersion, outcome_date: date) -> None:
    """10 churned and 10 renewed accounts; x deteriorates (80 → 40 between 90 and 14 days
    before the outcome) in 9 of 10 churned and 1 of 10 renewed accounts, y in 3 of each,
    z in 2 churned and 4 renewed."""
    plan = {
        "churned": {"x": 9, "y": 3, "z": 2},
        "renewed": {"x": 1, "y": 3, "z": 4},
    }
    for kind, falls in plan.items():
        for i in range(10):
            account = AccountFactory(name=f"{kind} {i}")
            before = {"x": 80.0, "y": 80.0, "z": 80.0}
            after = {k: (40.0 if i < falls[k] else 80.0) for k in before}
            write_history(version, account, {
                outcome_date - timedelta(days=90): before,
                outcome_date - timedelta(days=14): after,
            })
            Outcome.objects.create(account=account, kind=kind, date=outcome_date)
