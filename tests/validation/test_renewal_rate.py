from __future__ import annotations

from datetime import date, timedelta

from scoring.backtest import Day, OutcomeCase, renewal_by_band, renewal_by_tier

D = date(2026, 6, 30)


def _at_90(score: float, tier: str) -> list[Day]:
    return [Day(D - timedelta(days=90), score, tier)]


def _world():
    kinds_by_tier = {
        # green at 90 days: 5 renewed-ish, 1 churned → 5/6 = 83%, below the guides' ≥ 85%
        ("green", 82.0): ["renewed", "renewed", "expanded", "renewed", "contracted", "churned"],
        # yellow: 3 of 5 renewed → 60%, inside 50–70%
        ("yellow", 55.0): ["renewed", "expanded", "contracted", "churned", "churned"],
        # red: only 4 → too few for a rate
        ("red", 20.0): ["churned", "churned", "churned", "renewed"],
    }
    timelines, outcomes = {}, []
    for (tier, score), kinds in kinds_by_tier.items():
        for kind in kinds:
            account_id = len(timelines) + 1
            timelines[account_id] = _at_90(score, tier)
            outcomes.append(OutcomeCase(account_id, kind, D))
    # An outcome with no snapshot near 90 days before is left out.
    timelines[99] = [Day(D - timedelta(days=30), 10.0, "red")]
    outcomes.append(OutcomeCase(99, "churned", D))
    return timelines, outcomes


def test_it_gives_renewal_rate_per_tier_beside_the_guides_expectations():
    timelines, outcomes = _world()
    result = renewal_by_tier(outcomes, timelines)

    green, yellow, red = result["green"], result["yellow"], result["red"]
    assert (green["figure"].numerator, green["figure"].denominator) == (5, 6)
    assert green["expected"] == "≥ 85%" and green["meets"] is False
    assert (yellow["figure"].numerator, yellow["figure"].denominator) == (3, 5)
    assert yellow["figure"].value == 0.6 and yellow["meets"] is True
    assert (red["figure"].numerator, red["figure"].denominator) == (1, 4)
    assert red["figure"].value is None and red["meets"] is None


def test_it_gives_renewal_rate_per_score_band():
    timelines, outcomes = _world()
    bands = {(b["low"], b["high"]): b["figure"] for b in renewal_by_band(outcomes, timelines)}

    assert len(bands) == 10
    assert (bands[(80, 90)].numerator, bands[(80, 90)].denominator) == (5, 6)
    assert (bands[(50, 60)].numerator, bands[(50, 60)].denominator) == (3, 5)
    assert (bands[(20, 30)].numerator, bands[(20, 30)].denominator) == (1, 4)
    assert bands[(0, 10)].denominator == 0
