"""Set-based: the number of queries does not grow with the number of accounts."""

from __future__ import annotations

import math

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scoring.models import Observation
from scoring.services import scores_recompute
from tests.factories import AccountFactory
from tests.scoring.conftest import DAY, NOW


def _book(n: int, signals) -> list[int]:
    accounts = AccountFactory.create_batch(n)
    Observation.objects.bulk_create(
        Observation(account=a, signal=s, value=5 + d, observed_at=NOW - d * DAY, idempotency_key=f"{a.pk}|{s.pk}|{d}")
        for a in accounts for s in signals.values() for d in range(3)
    )
    return [a.pk for a in accounts]


def _queries(ids: list[int], now) -> tuple[int, int]:
    """(other statements, INSERT statements) of one recompute."""
    with CaptureQueriesContext(connection) as ctx:
        scores_recompute(account_ids=ids, now=now)
    inserts = sum(q["sql"].lstrip().upper().startswith("INSERT") for q in ctx.captured_queries)
    return len(ctx.captured_queries) - inserts, inserts


def _assert_same(small: tuple[int, int], large: tuple[int, int]) -> None:
    assert small[0] == large[0]
    if connection.vendor == "sqlite":
        # Django splits a bulk insert at SQLite's 999-parameter limit (~70 rows of 14 fields):
        # 200 accounts → at most 3 statements per table (AccountScore, ScoreSnapshot, ScoreChange).
        assert large[1] <= 3 * math.ceil(200 * 14 / 999)
    else:
        assert small[1] == large[1]


@pytest.mark.django_db
def test_it_uses_the_same_number_of_queries_for_10_and_200_accounts(scoring_setup, settings):
    settings.RECOMPUTE_CHUNK_SIZE = 500
    small = _book(10, scoring_setup.signals)
    large = _book(200, scoring_setup.signals)
    # First runs (no stored state) and second-day runs (state, history, change log), each on its day.
    with time_machine.travel(NOW, tick=False):
        _assert_same(_queries(small, NOW), _queries(large, NOW))
    with time_machine.travel(NOW + DAY, tick=False):
        _assert_same(_queries(small, NOW + DAY), _queries(large, NOW + DAY))


@pytest.mark.django_db
def test_it_stays_under_a_fixed_budget_per_chunk(scoring_setup, settings, django_assert_max_num_queries):
    settings.RECOMPUTE_CHUNK_SIZE = 50
    ids = _book(100, scoring_setup.signals)
    with time_machine.travel(NOW, tick=False):
        scores_recompute(account_ids=ids, now=NOW)
    # 4 (models) + per chunk of 50: segments, aggregation, scores, history ×2, overrides,
    # change log today, the last change-log entry, 3 upserts (one statement each), the outbox row,
    # savepoint + release;
    # PostgreSQL also wraps the aggregation in a transaction with SET LOCAL (+3) and stages
    # each upsert in a temporary table (+1 per table: create/truncate; the COPY is not counted).
    per_chunk = 14 + (6 if connection.vendor == "postgresql" else 0)
    # The clock says the same day as ``now``, as in the daily run (a past day's write also forgets the rollups).
    with time_machine.travel(NOW + DAY, tick=False), django_assert_max_num_queries(4 + 2 * per_chunk):
        scores_recompute(account_ids=ids, now=NOW + DAY)
