"""Helpers for the scoring engine tests: plain specs for the pure engine, a fixed "now"."""

from __future__ import annotations

import datetime as dt

import pytest

from scoring.engine import ModelSpec, SignalSpec

NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
# One id per signal key, stable and distinct (str hashes are salted per process: two keys could share an id).
_SIGNAL_IDS: dict[str, int] = {}


def sig(key: str = "s", **kw) -> SignalSpec:
    defaults = dict(id=_SIGNAL_IDS.setdefault(key, len(_SIGNAL_IDS) + 1), key=key,
                    label=key.replace("_", " ").capitalize(), category="usage", direction="higher", bad=0.0, good=100.0)
    defaults.update(kw)
    return SignalSpec(**defaults)


def model(*signals: SignalSpec, cats: dict[str, float] | None = None, **kw) -> ModelSpec:
    return ModelSpec(version_id=kw.pop("version_id", 1), category_weights=cats or {"usage": 1.0},
                     signals=tuple(signals), **kw)


@pytest.fixture
def now() -> dt.datetime:
    return NOW
