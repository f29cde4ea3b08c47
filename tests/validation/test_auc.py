from __future__ import annotations

from datetime import date, timedelta

from scoring.backtest import Day, OutcomeCase, auc_at, roc_auc

D = date(2026, 6, 30)
CHURNED = [20, 30, 40, 50, 60]
RETAINED = [40, 55, 70, 80, 90]


def test_it_computes_auc_with_ties_counting_one_half():
    samples = [(s, True) for s in CHURNED] + [(s, False) for s in RETAINED]
    result = roc_auc(samples)
    # Retained scoring above each churned one: 20→5, 30→5, 40→4 + ½ (tie at 40), 50→4, 60→3
    # = 21.5 of 25 pairs.
    assert result.value == 21.5 / 25
    assert (result.positives, result.negatives) == (5, 5)


def test_it_gives_zero_when_churned_accounts_scored_highest():
    result = roc_auc([(90, True)] * 5 + [(10, False)] * 5)
    assert result.value == 0.0
    assert roc_auc([(50, True)] * 5 + [(50, False)] * 5).value == 0.5


def test_it_reads_the_score_90_days_before_the_outcome():
    timelines, outcomes = {}, []
    for i, score in enumerate(CHURNED + RETAINED):
        timelines[i] = [Day(D - timedelta(days=90), score, "red"), Day(D - timedelta(days=10), 100 - score, "red")]
        outcomes.append(OutcomeCase(i, "churned" if i < 5 else "renewed", D))
    assert auc_at(outcomes, timelines).value == 21.5 / 25


def test_it_refuses_an_auc_with_too_few_churned_accounts():
    result = roc_auc([(20, True)] * 4 + [(80, False)] * 10)
    assert result.value is None
    assert result.as_dict() == {"value": None, "positives": 4, "negatives": 10, "enough": False}
