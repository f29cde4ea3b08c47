"""The columnar re-scoring and tier replay give exactly what the per-snapshot reference gives."""

from __future__ import annotations

import random
from datetime import date, timedelta

import numpy as np

from scoring.backtest_columns import (
    CAP,
    NO_OVERRIDE,
    PENALTY,
    TIER_CODES,
    SubScores,
    replay_columns,
    rescore_columns,
)
from scoring.backtest_rescore import ModelWeights, replay_tiers, rescore

WEIGHTS = ModelWeights(
    category_weights={"usage": 40, "support": 30, "relationship": 30},
    signal_weights={"a": 2, "b": 1, "c": 1, "d": 0},
    signal_categories={"a": "usage", "b": "usage", "c": "support", "d": "relationship"},
    hold_days=5, rapid_points=15, rapid_days=20,
)


def _data(seed: int = 3) -> SubScores:
    rng = random.Random(seed)
    keys = ["a", "b", "c", "d"]
    accounts, days, rows, effects, values = [], [], [], [], []
    for account in range(6):
        level = rng.uniform(20, 90)
        for i in range(120):
            level = min(100, max(0, level + rng.gauss(0, 6)))
            accounts.append(account)
            days.append((date(2026, 1, 1) + timedelta(days=i)).toordinal())
            rows.append([None if rng.random() < 0.15 else round(min(100, max(0, level + rng.gauss(0, 10))), 2)
                         for _ in keys])
            effect = rng.choice([NO_OVERRIDE] * 8 + [CAP, PENALTY])
            effects.append(effect)
            values.append(rng.choice([40.0, 10.0]) if effect else 0.0)
    return SubScores(keys, np.array(accounts), np.array(days), np.array(rows, dtype=float), np.array(effects, dtype=np.int8),
                     np.array(values))


def test_rescore_columns_equals_rescore_row_by_row():
    data = _data()
    scores = rescore_columns(data, WEIGHTS)
    for i in range(len(data)):
        expected = rescore(data.components(i), WEIGHTS)
        assert (np.isnan(scores[i]) and expected is None) or scores[i] == expected


def test_replay_columns_equals_replay_tiers_per_account():
    data = _data()
    scores = rescore_columns(data, WEIGHTS)
    tiers = replay_columns(data.account, data.day, scores, WEIGHTS)
    for account, (lo, hi) in data.accounts().items():
        points = [(date.fromordinal(int(d)), float(s)) for d, s in zip(data.day[lo:hi], scores[lo:hi], strict=True)
                  if not np.isnan(s)]
        expected = [d.tier for d in replay_tiers(points, WEIGHTS)]
        got = [TIER_CODES[t] for t in tiers[lo:hi] if t >= 0]
        assert got == expected, account
