"""Reads of a dense chunk of ids use an id range, and still return only the chunk's accounts."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from scoring import selectors
from scoring.services import scores_recompute
from tests.factories import AccountFactory, observe
from tests.scoring.conftest import DAY, NOW


def test_it_reads_a_dense_chunk_by_range_and_drops_the_accounts_in_between(scoring_setup):
    logins = scoring_setup.signals["weekly_logins"]
    accounts = [AccountFactory() for _ in range(60)]
    for a in accounts:
        observe(a, logins, 25, NOW - DAY)
    scores_recompute(now=NOW)
    ids = [a.pk for a in accounts]
    chunk = ids[:10] + ids[13:]  # 57 of 60: dense, with a hole of three scored accounts

    with CaptureQueriesContext(connection) as ctx:
        current = selectors.current_scores(chunk)
    assert set(current) == set(chunk)
    (sql,) = [q["sql"] for q in ctx.captured_queries]
    assert " IN (" not in sql and ">=" in sql
    assert set(selectors.account_segments(chunk)) == set(chunk)
    assert set(selectors.score_components(chunk)) == set(chunk)
    assert selectors.accounts_scored_before(chunk, NOW.date() + DAY) == set(chunk)
    assert set(selectors.earlier_snapshots(chunk, NOW.date() + DAY)) == set(chunk)


def test_it_keeps_an_in_list_for_sparse_ids(scoring_setup):
    accounts = [AccountFactory() for _ in range(180)]
    sparse = [a.pk for a in accounts[::3]]  # 60 ids spread over 180
    with CaptureQueriesContext(connection) as ctx:
        selectors.current_scores(sparse)
    assert " IN (" in ctx.captured_queries[0]["sql"]
