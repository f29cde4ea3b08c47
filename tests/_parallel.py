"""Run a function in N threads at once, each on its own database connection.

For the race tests (``django_db(transaction=True)``: the threads see each other's commits). All
threads wait at a barrier and start together; each closes its connections when done, so the test
database can be dropped afterwards.

SQLite cannot race: the suite's in-memory test database is one shared-cache file where a second
writer gets "database table is locked" instead of waiting, so these tests need PostgreSQL (CI runs
the suite with ``DATABASE_URL`` set). ``needs_postgresql`` marks them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections


def _skip_on_sqlite():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite's in-memory test database cannot hold two writers at once")


@pytest.fixture
def needs_postgresql(transactional_db):
    # The flush after a transactional test empties every table, the roles' groups included:
    # tests/conftest.py puts them back before each transactional test. (A serialized rollback
    # here clashed with the content types an earlier plain flush's post_migrate recreates.)
    _skip_on_sqlite()


def run_parallel(count: int, work: Callable[[int], Any], timeout: float = 120) -> list[Any]:
    """``work(i)`` for i in 0..count-1, all at once; returns each result (or the exception it raised)."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait(timeout)
            results[i] = work(i)
        except BaseException as exc:  # the test asserts on it
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(t.is_alive() for t in threads), "a parallel worker did not finish"
    return results
