from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Account
from scoring.models import CategoryWeight, ScoreModelVersion, SignalWeight
from scoring.services import scores_recompute
from scoring.validation_preview import preview_build
from tests.factories import AccountFactory, observe

# Published: 0.4·x + 0.3·y + 0.3·z. Draft: 0.8·x + 0.1·y + 0.1·z (thresholds 75 / 50).
VALUES = {
    "A": (90, 50, 50),  # 66 yellow → 82 green
    "B": (30, 80, 80),  # 60 yellow → 40 red
    "C": (80, 80, 80),  # 80 green  → 80 green
    "D": (55, 55, 40),  # 50.5 yellow → 53.5 yellow
    "E": (20, 20, 20),  # 20 red → 20 red
}


@pytest.fixture
def world(mini):
    now = timezone.now()
    for name, values in VALUES.items():
        account = AccountFactory(name=name, external_id=name)
        for key, value in zip("xyz", values, strict=True):
            observe(account, mini.signals[key], value, now - timedelta(days=1))
    scores_recompute(now=now)
    draft = ScoreModelVersion.objects.create(model=mini.version.model, number=2, status="draft")
    for category, weight in {"usage": 80, "support": 10, "relationship": 10}.items():
        CategoryWeight.objects.create(version=draft, category=category, weight=weight)
    for signal in mini.signals.values():
        SignalWeight.objects.create(version=draft, signal=signal, weight=1)
    return draft, now


def test_it_lists_exactly_the_accounts_whose_tier_changes(world):
    draft, now = world
    result = preview_build(draft=draft, now=now, with_backtest=False)

    changes = {c["account"].name: c for c in result["changes"]}
    assert set(changes) == {"A", "B"}
    assert (changes["A"]["before_score"], changes["A"]["after_score"]) == (pytest.approx(66), pytest.approx(82))
    assert (changes["A"]["before_tier"], changes["A"]["after_tier"]) == ("yellow", "green")
    assert (changes["B"]["before_tier"], changes["B"]["after_tier"]) == ("yellow", "red")
    # A: contributions x 36 → 72, y 15 → 5, z 15 → 5.
    assert changes["A"]["signals"][0] == {"key": "x", "label": "Usage X", "delta": 36.0}
    assert {s["key"]: s["delta"] for s in changes["A"]["signals"]} == {"x": 36.0, "y": -10.0, "z": -10.0}


def test_it_counts_tiers_and_scores_for_both_versions(world):
    draft, now = world
    result = preview_build(draft=draft, now=now, with_backtest=False)

    assert result["accounts"] == 5
    assert result["tiers"]["published"] == {"green": 1, "yellow": 3, "red": 1}
    assert result["tiers"]["draft"] == {"green": 2, "yellow": 1, "red": 2}
    bands = {b["low"]: (b["published"], b["draft"]) for b in result["distribution"]}
    assert bands[60] == (2, 0) and bands[80] == (1, 2) and bands[40] == (0, 1) and bands[50] == (1, 1)
    weights = {w["key"]: (w["published"], w["draft"]) for w in result["weights"]}
    assert weights["x"] == (pytest.approx(0.4), pytest.approx(0.8))


def test_it_falls_back_to_reweighting_stored_components(world, monkeypatch):
    draft, now = world
    monkeypatch.setattr("scoring.validation_preview._engine_scores", lambda *a: None)
    result = preview_build(draft=draft, now=now, with_backtest=False)
    assert result["source"] == "components"
    assert {c["account"].name for c in result["changes"]} == {"A", "B"}


def test_it_leaves_out_accounts_that_are_not_active(world):
    draft, now = world
    Account.objects.filter(name="A").update(status="churned")
    result = preview_build(draft=draft, now=now, with_backtest=False)
    assert {c["account"].name for c in result["changes"]} == {"B"}


def test_it_names_the_thresholds_when_they_move_the_tier(world):
    """A threshold change is responsible for a tier change the signals did not make (#16)."""
    draft, now = world
    CategoryWeight.objects.filter(version=draft).delete()
    for category, weight in {"usage": 40, "support": 30, "relationship": 30}.items():  # the published weights
        CategoryWeight.objects.create(version=draft, category=category, weight=weight)
    draft.yellow_threshold = 65
    draft.save()
    result = preview_build(draft=draft, now=now, with_backtest=False)

    changes = {c["account"].name: c for c in result["changes"]}
    # Same weights: the scores do not move; B (60) and D (50.5) fall below the draft's yellow line (65).
    assert set(changes) == {"B", "D"}
    for name in ("B", "D"):
        assert changes[name]["thresholds"] == {"yellow": 65, "green": 75, "tier_of_score_now": "red"}
        assert changes[name]["signals"] == []
    response_text = preview_text(draft, now)
    assert "The draft&#x27;s thresholds" in response_text or "The draft's thresholds" in response_text


def preview_text(draft, now) -> str:
    from django.template.loader import render_to_string

    from scoring.validation_preview import preview_build as build

    return render_to_string("scoring/preview.html", {"preview": build(draft=draft, now=now, with_backtest=False),
                                                     "draft_thresholds": {}})
