"""The fitted suggestion: logistic regression of churn at T−90 on sub-scores, held-out AUC."""

from __future__ import annotations

import random

import pytest

from scoring.backtest_rescore import ModelWeights, rescore
from scoring.backtest_suggest import fit_weights

WEIGHTS = ModelWeights(
    category_weights={"usage": 50, "support": 50},
    signal_weights={"a": 1, "b": 1, "c": 1},
    signal_categories={"a": "usage", "b": "usage", "c": "support"},
)


def _world(n: int, seed: int = 7):
    """Churn driven by c (support) only; a is noise; b is *higher* in churned accounts."""
    rng = random.Random(seed)
    cases = []
    for _ in range(n):
        c = rng.uniform(0, 100)
        churn = rng.random() < 1 / (1 + pow(2.718, (c - 35) / 8))
        a = rng.uniform(0, 100)
        b = min(100.0, max(0.0, rng.gauss(60 if churn else 40, 15)))
        cases.append((churn, {"signals": [{"key": "a", "sub_score": a}, {"key": "b", "sub_score": b},
                                          {"key": "c", "sub_score": c}]}))
    return cases


def test_it_puts_the_weight_on_the_signal_that_drives_churn_and_none_on_a_perverse_one():
    fit = fit_weights(_world(400), WEIGHTS)
    assert fit is not None
    assert fit.shares["c"] > 0.8
    assert fit.shares["b"] == 0  # higher with churn: dropped, never a negative weight
    assert sum(fit.shares.values()) == pytest.approx(1.0)


def test_its_held_out_auc_beats_the_current_weights_on_the_same_cases():
    cases = _world(400)
    fit = fit_weights(cases, WEIGHTS)
    assert fit.folds == 5 and fit.cases == 400
    assert fit.cv_auc > 0.85
    # The current weights (c half the score, a and b a quarter each) rank worse.
    assert fit.current_auc < fit.cv_auc - 0.05
    current = [(rescore(comp, WEIGHTS), churn) for churn, comp in cases]
    from scoring.backtest import roc_auc

    assert fit.current_auc == pytest.approx(roc_auc(current).value)


def test_it_fits_nothing_below_the_minimum_evidence():
    cases = _world(400)
    few = [c for c in cases if c[0]][:9] + [c for c in cases if not c[0]][:50]
    assert fit_weights(few, WEIGHTS) is None
