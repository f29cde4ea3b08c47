"""Fixtures for the playbook tests: an owned account and hand-made scores and changes.

Triggers read ``AccountScore``/``ScoreChange`` rows; these helpers write them the way a recompute
does, so each test states exactly the score state it evaluates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest

from accounts.models import Account
from playbooks.models import Playbook, PlaybookStep, RuleCondition
from scoring.models import AccountScore, ScoreChange
from tests.factories import AccountFactory

NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)


@dataclass
class Result:
    """Stands in for scoring.services.RecomputeResult (same attributes)."""

    account_ids: list[int]
    changes: list[ScoreChange] = field(default_factory=list)
    scores: dict[int, AccountScore] = field(default_factory=dict)


@pytest.fixture
def now() -> dt.datetime:
    return NOW


@pytest.fixture
def account(scoring_setup, team, alice, manager) -> Account:
    return AccountFactory(
        name="Acme", external_id="acme", owner=alice, manager=manager, team=team, arr=120000,
        renewal_date=NOW.date() + dt.timedelta(days=200),
    )


@pytest.fixture
def score_state(scoring_setup):
    """score_state(account, score=, tier=, trend=, signals=, top_reasons=) -> AccountScore (upserted)."""

    def make(account, *, score, tier, trend="stable", signals=None, top_reasons=None, computed_at=NOW):
        components = {"score": score, "raw_score": score, "signals": signals or [], "override": None,
                      "top_reasons": top_reasons or []}
        row, _ = AccountScore.objects.update_or_create(
            account=account,
            defaults=dict(score=score, raw_tier=tier, tier=tier, trend=trend, model_version=scoring_setup.version,
                          computed_at=computed_at, components=components),
        )
        return row

    return make


@pytest.fixture
def tier_change(scoring_setup):
    """tier_change(account, from_tier, to_tier, from_score, to_score) -> ScoreChange."""

    def make(account, from_tier, to_tier, from_score, to_score, *, date=None, tier_changed=True):
        return ScoreChange.objects.create(
            account=account, date=date or NOW.date(), from_score=from_score, to_score=to_score,
            from_tier=from_tier, to_tier=to_tier, tier_changed=tier_changed, model_version=scoring_setup.version,
            summary=f"{from_tier or 'new'} → {to_tier}",
        )

    return make


@pytest.fixture
def playbook(db):
    """playbook(trigger_kind, tier=, severity=, steps=[(title, hours, role)], conditions=[...], **extra)."""

    def make(trigger_kind, *, tier="", severity="medium", steps=(("Check in", 72, "owner"),), conditions=(), **extra):
        pb = Playbook.objects.create(
            name=f"{trigger_kind} {tier}".strip(), trigger_kind=trigger_kind, tier=tier, severity=severity, **extra
        )
        for order, (title, hours, role) in enumerate(steps, start=1):
            PlaybookStep.objects.create(playbook=pb, order=order, title=title, due_offset_hours=hours, assignee_role=role)
        for cond in conditions:
            RuleCondition.objects.create(playbook=pb, **cond)
        return pb

    return make


@pytest.fixture
def result_of():
    def make(*accounts, changes=(), scores=()):
        return Result(
            account_ids=[a.pk for a in accounts],
            changes=list(changes),
            scores={s.account_id: s for s in scores},
        )

    return make


def signal_entry(key: str, value: float | None, newest_at: dt.datetime | None) -> dict:
    return {"key": key, "label": key, "value": value, "newest_at": newest_at.isoformat() if newest_at else None,
            "status": "ok" if value is not None else "missing"}



@pytest.fixture(autouse=True)
def _q_sync(monkeypatch):
    """Run async_task inline. django-q reads Q_CLUSTER["sync"] once, at import, into Conf.SYNC, so the
    shared conftest's settings override alone does not reach it."""
    monkeypatch.setattr("django_q.conf.Conf.SYNC", True)
