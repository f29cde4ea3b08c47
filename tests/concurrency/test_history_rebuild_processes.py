"""A history rebuild's chunks computed by forked processes side by side (``recompute_scores --jobs``, PostgreSQL
outside a transaction) write exactly the history one process writes."""

from __future__ import annotations

import datetime as dt
import io
import os

import pytest
import time_machine
from django.core.management import call_command

from scoring import services
from scoring.models import ScoreChange, ScoreSnapshot
from tests import factories
from tests.factories import AccountFactory, observe

NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
FIRST, LAST = dt.date(2025, 5, 1), dt.date(2025, 5, 31)


@pytest.fixture
def book(needs_postgresql):
    setup = factories.standard_scoring_setup()
    logins = setup.signals["weekly_logins"]
    with time_machine.travel(NOW, tick=False):
        for i in range(6):
            account = AccountFactory(external_id=f"acc-{i}")
            for d in range(80):
                at = dt.datetime(2025, 3, 15, 10, tzinfo=dt.UTC) + d * DAY
                falls = at.date() >= dt.date(2025, 5, 10) + i * 2 * DAY
                observe(account, logins, 0 if falls and i % 2 else 3 + i % 3, at)
    return setup


def _history():
    snapshots = sorted(ScoreSnapshot.objects.values_list("account__external_id", "date", "score", "raw_tier", "tier",
                                                         "packed"))
    changes = sorted(ScoreChange.objects.values_list("account__external_id", "date", "from_tier", "to_tier",
                                                     "to_score", "cause"))
    return [(a, d, s, r, t, bytes(p or b"")) for a, d, s, r, t, p in snapshots], changes


def test_forked_chunks_write_the_history_one_process_writes(book, tmp_path, monkeypatch):
    monkeypatch.setattr(services, "BACKFILL_CHUNK_SIZE", 2)  # 6 accounts: 3 chunks
    pids = tmp_path / "pids"
    real = services.backfill_chunk

    def spy(chunk, *args, **kwargs):
        with pids.open("a") as f:
            f.write(f"{os.getpid()}\n")
        return real(chunk, *args, **kwargs)

    monkeypatch.setattr(services, "backfill_chunk", spy)
    span = ["--all", "--from", FIRST.isoformat(), "--to", LAST.isoformat()]
    with time_machine.travel(NOW, tick=False):
        out = io.StringIO()
        call_command("recompute_scores", *span, "--jobs", "1", stdout=out, stderr=io.StringIO())
        assert "Built 186 snapshot(s) for 6 account(s)" in out.getvalue()
        alone = _history()
        assert set(pids.read_text().split()) == {str(os.getpid())}
        pids.unlink()
        ScoreSnapshot.objects.all().delete()
        ScoreChange.objects.all().delete()
        out = io.StringIO()
        call_command("recompute_scores", *span, "--jobs", "2", stdout=out, stderr=io.StringIO())
    assert "Built 186 snapshot(s) for 6 account(s)" in out.getvalue()
    forked = set(pids.read_text().split())
    assert len(pids.read_text().split()) == 3 and str(os.getpid()) not in forked  # every chunk in a child
    assert _history() == alone
    assert any(t == "red" for *_, t, _ in alone[0])  # the book moves tiers: the comparison means something
