"""Fixtures for the workspace views: scored accounts and tasks made directly (no engine needed)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.utils import timezone

from accounts.models import Account
from playbooks.models import Playbook, PlaybookStep, Task
from scoring.models import AccountScore, ScoreSnapshot
from tests.factories import AccountFactory

NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)


def components(score: float, *, reasons: list[str] | None = None, override: dict | None = None) -> dict:
    """A components blob shaped per the shared contract: two signals whose contributions sum to the raw score."""
    raw = score if override is None else score - override["points"]
    usage_sub = max(0.0, min(100.0, (raw - 0.3 * 80) / 0.7))
    signals = [
        {"key": "weekly_logins", "label": "Logins per week", "category": "usage", "unit": "logins", "value": 4.2,
         "sub_score": round(usage_sub, 2), "weight_share": 0.7, "contribution": round(0.7 * usage_sub, 2),
         "points_lost": round(0.7 * (100 - usage_sub), 2), "newest_at": "2026-11-20T00:00:00+00:00", "status": "ok",
         "policy": "zero"},
        {"key": "nps", "label": "NPS response", "category": "relationship", "unit": "points", "value": 30.0,
         "sub_score": 80.0, "weight_share": 0.3, "contribution": 24.0, "points_lost": 6.0,
         "newest_at": "2026-11-03T00:00:00+00:00", "status": "stale", "policy": "neutral"},
    ]
    signals.sort(key=lambda s: -s["points_lost"])
    return {
        "raw_score": raw,
        "score": score,
        "signals": signals,
        "override": override,
        "top_reasons": reasons if reasons is not None else [
            f"Logins per week low (4.2 logins): −{0.7 * (100 - usage_sub):.1f}", "NPS response stale: −6.0",
            "Third reason: −1.0",
        ],
    }


def tier_for(score: float) -> str:
    return "green" if score >= 75 else "yellow" if score >= 50 else "red"


@pytest.fixture
def make_score(scoring_setup) -> Callable[..., AccountScore]:
    def make(account: Account, score: float, *, trend: str = "stable", deltas=(0.0, 0.0, 0.0), **extra) -> AccountScore:
        tier = extra.pop("tier", tier_for(score))
        return AccountScore.objects.create(
            account=account, score=score, raw_tier=tier, tier=tier, trend=trend, delta_7=deltas[0],
            delta_30=deltas[1], delta_90=deltas[2], model_version=scoring_setup.version, computed_at=NOW,
            components=components(score, **extra),
        )

    return make


@pytest.fixture
def make_snapshots(scoring_setup) -> Callable[..., list[ScoreSnapshot]]:
    def make(account: Account, scores: list[float], *, end: dt.date, version=None, override_days=()) -> list[ScoreSnapshot]:
        version = version or scoring_setup.version
        start = end - dt.timedelta(days=len(scores) - 1)
        rows = [
            ScoreSnapshot(
                account=account, date=start + dt.timedelta(days=i), score=s, raw_tier=tier_for(s), tier=tier_for(s),
                model_version=version, components={}, override_active=i in override_days,
            )
            for i, s in enumerate(scores)
        ]
        return ScoreSnapshot.objects.bulk_create(rows)

    return make


@pytest.fixture
def playbook(db) -> Playbook:
    pb = Playbook.objects.create(name="Red rescue", trigger_kind="enter_tier", tier="red", severity="high")
    PlaybookStep.objects.create(playbook=pb, order=1, title="Call the champion", due_offset_hours=48)
    PlaybookStep.objects.create(playbook=pb, order=2, title="Exec sponsor email", due_offset_hours=96)
    return pb


@pytest.fixture
def checkin(db) -> Playbook:
    pb = Playbook.objects.create(name="Yellow check-in", trigger_kind="enter_tier", tier="yellow", severity="medium")
    PlaybookStep.objects.create(playbook=pb, order=1, title="Check-in call", due_offset_hours=72)
    return pb


@pytest.fixture
def make_task(playbook) -> Callable[..., Task]:
    def make(account: Account, *, assignee=None, pb: Playbook | None = None, step_order: int = 1, due_in_hours: float = 24,
             severity: str | None = None, **extra) -> Task:
        pb = pb or playbook
        step = pb.steps.get(order=step_order)
        return Task.objects.create(
            account=account, playbook=pb, step=step, team=account.team, assignee=assignee, title=step.title,
            severity=severity or pb.severity, due_at=timezone.now() + dt.timedelta(hours=due_in_hours), **extra,
        )

    return make


@pytest.fixture
def alice_account(team, alice, make_score) -> Account:
    account = AccountFactory(name="Acme Corp", external_id="acme", owner=alice, team=team, arr=120000)
    make_score(account, 42.0, trend="rapid_decline", deltas=(-8.0, -22.5, -30.0))
    return account


@pytest.fixture
def bob_account(team, bob, make_score) -> Account:
    account = AccountFactory(name="Bobcat Ltd", external_id="bobcat", owner=bob, team=team, arr=40000)
    make_score(account, 63.0)
    return account


def login(client, user) -> None:
    client.force_login(user)
