"""The columnar path (history read into columns, re-scored and replayed on them) gives exactly what
the per-snapshot reference gives: ``component_series`` → ``rescore`` → ``replay_tiers``, bit for bit."""

from __future__ import annotations

import random
from datetime import date, timedelta

import numpy as np
import pytest
from django.utils import timezone

from scoring.backtest_columns import (
    NO_OVERRIDE,
    TIER_CODES,
    SubScores,
    replay_columns,
    rescore_columns,
    round2,
)
from scoring.backtest_rescore import ModelWeights, replay_tiers, rescore
from scoring.models import ScoreSnapshot
from scoring.snapshot_pack import ENTRY
from scoring.validation import (
    Period,
    component_series,
    model_subscores,
    outcome_series,
    timelines_rescored,
)
from tests.factories import AccountFactory
from tests.validation.conftest import components

# Integer weights like the standard model's: with two-decimal sub-scores ~0.6 % of the rows land
# on a rounding tie that only the reference's order of additions settles (checked: in column order
# instead, 22 of these 3,000 rows differ). And fitted-like shares.
WEIGHTS = ModelWeights(
    category_weights={"usage": 40, "support": 30, "relationship": 30},
    signal_weights={"a": 2, "b": 1, "c": 1, "d": 1},
    signal_categories={"a": "usage", "b": "usage", "c": "support", "d": "relationship"},
)
SHARES = ModelWeights(
    category_weights={"usage": 0.3734, "support": 0.2211, "relationship": 0.4055},
    signal_weights={"a": 0.2417, "b": 0.1317, "c": 0.2211, "d": 0.4055},
    signal_categories={"a": "usage", "b": "usage", "c": "support", "d": "relationship"},
    green=61, yellow=43, hold_days=3, rapid_points=12, rapid_days=10,
)


def _shuffled(seed: int = 5, rows: int = 3000) -> SubScores:
    """Two-decimal sub-scores, some missing, each row's signals in its own order."""
    rng = random.Random(seed)
    keys = ["a", "b", "c", "d"]
    sub = np.array([[np.nan if rng.random() < 0.2 else round(rng.uniform(0, 100), 2) for _ in keys] for _ in range(rows)])
    order = np.array([rng.sample(range(len(keys)), len(keys)) for _ in range(rows)])
    return SubScores(keys, np.repeat(np.arange(rows // 100), 100), np.tile(np.arange(100), rows // 100) + 738000,
                     sub, np.full(rows, NO_OVERRIDE, np.int8), np.zeros(rows), order)


@pytest.mark.parametrize("weights", [WEIGHTS, SHARES], ids=["integer weights", "fitted shares"])
def test_rescore_columns_follows_each_rows_signal_order_to_the_last_bit(weights):
    data = _shuffled()
    scores = rescore_columns(data, weights)
    for i in range(len(data)):
        expected = rescore(data.components(i), weights)
        assert (expected is None and np.isnan(scores[i])) or scores[i] == expected, i


def test_round2_rounds_as_python_does_on_ties():
    values = np.array([0.125, 0.135, 1.005, 2.675, 37.225, 62.345, 99.995, 50.0, 12.3449999, np.nan])
    got = round2(values)
    assert [None if np.isnan(g) else g for g in got.tolist()] == [
        None if np.isnan(v) else round(v, 2) for v in values.tolist()]


def test_replay_columns_equals_replay_tiers_on_a_volatile_book():
    rng = random.Random(11)
    accounts, days, scores = [], [], []
    for account in range(40):
        level = rng.uniform(10, 90)
        for i in range(150):
            level = min(100, max(0, level + rng.choice([rng.gauss(0, 4)] * 9 + [rng.uniform(-30, 30)])))
            if rng.random() < 0.1:
                continue  # a day without a snapshot
            accounts.append(account)
            days.append(date(2026, 1, 1).toordinal() + i)
            scores.append(np.nan if rng.random() < 0.05 else round(level, 2))
    account, day, score = np.array(accounts), np.array(days), np.array(scores)
    tiers = replay_columns(account, day, score, SHARES)
    for a in range(40):
        rows = np.flatnonzero(account == a)
        points = [(date.fromordinal(int(day[r])), float(score[r])) for r in rows if not np.isnan(score[r])]
        assert [TIER_CODES[t] for t in tiers[rows] if t >= 0] == [d.tier for d in replay_tiers(points, SHARES)], a


def _history(mini) -> tuple[date, list]:
    """Compact rows (signals in their own order per row, one missing), rows with an override, older
    full-JSON rows, and an account none of whose snapshots has a sub-score."""
    today = timezone.localdate()
    ids = {k: s.pk for k, s in mini.signals.items()}
    rng = random.Random(2)
    accounts = [AccountFactory() for _ in range(4)]
    rows = []
    for n, account in enumerate(accounts):
        for back in range(60, 0, -1):
            when = today - timedelta(days=back)
            subs = {k: (None if n == 3 or rng.random() < 0.1 else round(rng.uniform(0, 100), 2)) for k in "xyz"}
            comp = components(subs)
            override = n == 1 and back % 7 == 0
            if override:
                comp["override"] = {"effect": rng.choice(["cap", "penalty"]), "value": 30, "reason": "budget_freeze"}
            if n == 2 and back > 30:  # before the compact format
                rows.append(ScoreSnapshot(account=account, date=when, score=0, raw_tier="red", tier="red",
                                          model_version=mini.version, components=comp, override_active=override))
                continue
            keys = rng.sample("xyz", 3)
            packed = b"".join(ENTRY.pack(ids[k], np.nan if subs[k] is None else subs[k], 0.0) for k in keys)
            rows.append(ScoreSnapshot(account=account, date=when, score=0, raw_tier="red", tier="red",
                                      model_version=mini.version, packed=packed,
                                      components={"override": comp["override"]} if override else {},
                                      override_active=override))
    ScoreSnapshot.objects.bulk_create(rows)
    return today, accounts


def test_timelines_from_columns_equal_the_per_snapshot_reference(mini):
    today, accounts = _history(mini)
    period = Period.default(timezone.now())
    reference = timelines_rescored(mini.version, period, component_series(mini.version, period))
    columns = timelines_rescored(mini.version, period, model_subscores(mini.version, period))
    assert columns == reference
    assert reference[accounts[3].pk] == [] and len(reference[accounts[0].pk]) == 60


def test_the_windowed_read_holds_every_snapshot_a_suggestion_picks(mini):
    from scoring.validation import OutcomeCase, components_on

    today, accounts = _history(mini)
    period = Period.default(timezone.now())
    outcomes = [OutcomeCase(a.pk, "churned", today - timedelta(days=d)) for a in accounts for d in (0, 5)]
    full = model_subscores(mini.version, period)
    windowed = outcome_series(mini.version, period, outcomes)
    assert len(windowed) < len(full)
    full_bounds, windowed_bounds = full.accounts(), windowed.accounts()
    picked = 0
    for o in outcomes:
        for horizon in (14, 30, 90):
            when = o.date - timedelta(days=horizon)
            got = components_on(windowed, windowed_bounds, o.account_id, when)
            assert got == components_on(full, full_bounds, o.account_id, when)
            picked += got is not None
    assert picked == 2 * 4 * 2  # 90 days back is before the history


def test_the_report_reads_day_series_as_it_reads_lists_of_days():
    from scoring.backtest import (
        BacktestInput,
        Day,
        DaySeries,
        Intervention,
        OutcomeCase,
        backtest_report,
        report_as_json,
    )

    rng = random.Random(4)
    start, end = date(2026, 1, 1), date(2026, 12, 31)
    timelines, outcomes, treated = {}, [], []
    for account in range(120):
        days, level = [], rng.uniform(20, 90)
        for i in range(-200, 365):
            level = min(100, max(0, level + rng.gauss(0, 5)))
            if rng.random() < 0.9:
                days.append(Day(start + timedelta(days=i), round(level, 2), "green" if level >= 70 else
                                "yellow" if level >= 45 else "red"))
        timelines[account] = days
        when = start + timedelta(days=rng.randrange(0, 365))
        outcomes.append(OutcomeCase(account, rng.choice(["churned", "renewed", "expanded", "contracted"]), when))
        if rng.random() < 0.3:
            opened = start + timedelta(days=rng.randrange(-100, 300))
            treated.append(Intervention(account, opened, opened + timedelta(days=rng.randrange(1, 20))))
    series = {a: DaySeries([d.date for d in t], [d.score for d in t], [d.tier for d in t]) for a, t in timelines.items()}
    assert series == timelines and series[0][3:5] == timelines[0][3:5] and list(series[0]) == timelines[0]

    def report(t):
        return report_as_json(backtest_report(BacktestInput(t, outcomes, treated, start, end, end)))

    assert report(series) == report(timelines)
