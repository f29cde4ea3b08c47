"""Contributions add up to the score; points lost to 100 − score."""

from __future__ import annotations

import random

import pytest

from scoring.engine import SignalAggregate, score_components
from tests.scoring.conftest import DAY, NOW, model, sig


def test_it_makes_contributions_add_up_to_the_score_for_any_weights():
    rng = random.Random(7)
    for _ in range(200):
        signals = [
            sig(f"s{i}", id=i, category=rng.choice(["usage", "support", "commercial"]), weight=rng.uniform(0.1, 9),
                missing_policy=rng.choice(["exclude", "zero", "neutral"]))
            for i in range(8)
        ]
        m = model(*signals, cats={"usage": rng.uniform(1, 50), "support": rng.uniform(1, 50), "commercial": 7})
        data = {i: SignalAggregate(newest_at=NOW - DAY, latest=rng.uniform(-20, 120)) for i in range(8) if rng.random() < 0.7}
        c = score_components(m, data, NOW)
        contributions = sum(s["contribution"] for s in c["signals"])
        lost = sum(s["points_lost"] for s in c["signals"])
        if any(s["weight_share"] for s in c["signals"]):
            assert contributions == pytest.approx(c["raw_score"], abs=0.01)
            assert lost == pytest.approx(100 - c["raw_score"], abs=0.01)
            assert sum(s["weight_share"] for s in c["signals"]) == pytest.approx(1, abs=1e-3)


def test_it_sorts_signals_by_points_lost_and_explains_the_worst():
    a = sig("logins", id=1, label="Logins per week", unit="logins", bad=1, good=25, weight=1)
    b = sig("tickets", id=2, label="Open support tickets", unit="tickets", bad=8, good=0, weight=1)
    c = score_components(model(a, b), {1: SignalAggregate(newest_at=NOW, latest=4.0),
                                        2: SignalAggregate(newest_at=NOW, latest=6.0)}, NOW)
    # logins: (4 − 1)/24 = 12.5 → share .5 → contributes 6.25, loses 43.75
    # tickets: (6 − 8)/(0 − 8) = 25 → contributes 12.5, loses 37.5
    assert [s["key"] for s in c["signals"]] == ["logins", "tickets"]
    assert c["signals"][0]["points_lost"] == 43.75
    assert c["raw_score"] == 18.75
    assert c["top_reasons"] == [
        "Logins per week low (4 logins): \u221243.8",
        "Open support tickets high (6 tickets): \u221237.5",
    ]
