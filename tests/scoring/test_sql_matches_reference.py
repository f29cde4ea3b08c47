"""The SQL aggregation (bulk path), the Python reference and the backfill's prefix sums agree."""

from __future__ import annotations

import random

import pytest

from scoring import selectors
from scoring.engine import Obs, SeriesAggregator, aggregate_observations
from scoring.models import SignalDefinition
from tests.factories import AccountFactory, observe
from tests.scoring.conftest import DAY, NOW

SIGNALS = [
    # key, aggregation, window, half-life, stale after
    ("m_decay", "mean", 30, 14, 30),
    ("m_plain", "mean", 10, None, 30),
    ("s_decay", "sum", 28, 7, 40),
    ("c_decay", "count", 14, 3.5, 20),
    ("pct", "pct_change", 20, None, 30),
    ("last", "latest", 30, None, 45),
]


@pytest.fixture
def world(db):
    rng = random.Random(42)
    signals = [
        SignalDefinition.objects.create(key=k, label=k, category="usage", bad_value=0, good_value=100, aggregation=a,
                                        window_days=w, half_life_days=h, stale_after_days=st)
        for k, a, w, h, st in SIGNALS
    ]
    accounts = [AccountFactory() for _ in range(6)]
    raw = {}
    for a in accounts:
        for s in signals:
            obs = []
            for i in range(rng.randint(0, 25)):
                # Ages spread over 0–90 days, some exactly on window edges, some in the future.
                at = NOW - rng.choice([rng.uniform(-2, 90) * DAY, s.window_days * DAY, 2 * s.window_days * DAY])
                at = at.replace(microsecond=rng.choice([0, 500000]))
                value = round(rng.uniform(-10, 200), 3)
                observe(a, s, value, at, source=f"s{i}")
                obs.append(Obs(at, value))
            raw[(a.pk, s.pk)] = obs
    return accounts, signals, raw


def _specs(signals):
    return {sp.id: sp for sp in map(selectors.signal_spec, signals)}


def test_it_aggregates_in_sql_exactly_like_the_reference(world):
    accounts, signals, raw = world
    specs = _specs(signals)
    sql = selectors.signal_aggregates(signals=list(specs.values()), now=NOW, account_ids=[a.pk for a in accounts])
    compared = only_older = 0
    for (aid, sid), obs in raw.items():
        expected = aggregate_observations(specs[sid], obs, NOW)
        got = sql.get(aid, {}).get(sid)
        if expected.newest_at is None:
            assert got is None
            continue
        if expected.n == expected.pn == 0 and expected.latest is None:  # only "no data since …"
            assert got == expected
            only_older += 1
            continue
        compared += 1
        assert got.newest_at == expected.newest_at
        if specs[sid].aggregation == "latest":
            # The bulk path fills what a "latest" signal is scored on: the newest value and when.
            assert (got.latest, got.n, got.pn) == (expected.latest, 0, 0)
            continue
        assert (got.n, got.pn) == (expected.n, expected.pn)
        for f in ("wsum", "wtot", "vsum", "psum"):
            assert getattr(got, f) == pytest.approx(getattr(expected, f), rel=1e-9, abs=1e-9), f
    assert compared > 20
    assert only_older > 0


def test_it_gives_the_same_numbers_from_prefix_sums_on_any_day(world):
    accounts, signals, raw = world
    specs = _specs(signals)
    for (_aid, sid), obs in raw.items():
        series = SeriesAggregator(specs[sid], obs, ref=NOW)
        for back in (0, 1, 7, 13, 40):
            at = NOW - back * DAY
            expected = aggregate_observations(specs[sid], obs, at)
            got = series.at(at)
            assert (got.newest_at, got.latest, got.n, got.pn) == (
                expected.newest_at, expected.latest, expected.n, expected.pn)
            for f in ("wsum", "wtot", "vsum", "psum"):
                assert getattr(got, f) == pytest.approx(getattr(expected, f), rel=1e-9, abs=1e-9)
