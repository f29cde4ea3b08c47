"""Overrides apply after the weighted sum, with their reason; expired ones are ignored."""

from __future__ import annotations

from scoring.engine import OverrideSpec, SignalAggregate, score_components
from tests.scoring.conftest import DAY, NOW, model, sig

M = model(sig("a", id=1))
DATA = {1: SignalAggregate(newest_at=NOW - DAY, latest=63.2)}


def _override(effect: str, value: float, expires_in_days: float, **kw) -> OverrideSpec:
    return OverrideSpec(id=3, reason="champion_left", reason_label="Champion left", effect=effect, value=value,
                        expires_at=NOW + expires_in_days * DAY, note="Maria left", **kw)


def test_it_caps_the_score():
    c = score_components(M, DATA, NOW, [_override("cap", 40, 10)])
    assert (c["raw_score"], c["score"]) == (63.2, 40.0)
    assert c["override"]["points"] == -23.2
    assert c["override"]["reason_label"] == "Champion left"
    assert c["top_reasons"][0] == "Champion left: capped at 40: \u221223.2"
    # The contributions still explain the raw score; the override explains the rest.
    assert sum(s["contribution"] for s in c["signals"]) + c["override"]["points"] == c["score"]


def test_it_subtracts_a_penalty():
    c = score_components(M, DATA, NOW, [_override("penalty", 15, 10)])
    assert c["score"] == 48.2


def test_it_ignores_an_expired_override():
    c = score_components(M, DATA, NOW, [_override("cap", 40, -1)])
    assert c["score"] == 63.2
    assert c["override"] is None


def test_it_ignores_a_revoked_override():
    c = score_components(M, DATA, NOW, [_override("cap", 40, 10, revoked_at=NOW - DAY)])
    assert c["score"] == 63.2


def test_it_applies_the_strongest_of_two_overrides():
    c = score_components(M, DATA, NOW, [_override("penalty", 10, 5), _override("cap", 30, 5)])
    assert c["score"] == 30.0
