"""The daily full recompute writes a ledger of chunks (contiguous id ranges of active accounts) and
enqueues one task per chunk."""

from __future__ import annotations

from django_q.models import OrmQ
from django_q.signing import SignedPackage

from scoring.models import DailyChunk, DailyRun
from scoring.tasks import recompute_all_enqueue
from tests.factories import AccountFactory


def test_it_enqueues_one_task_per_chunk(db, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr("django_q.conf.Conf.SYNC", False)  # keep the tasks in the (ORM) queue to inspect them
    active = [AccountFactory().pk for _ in range(3)]
    AccountFactory(status="churned")  # inside the second range, skipped by its task
    active += [AccountFactory().pk for _ in range(2)]

    with django_capture_on_commit_callbacks(execute=True):  # the tasks go once the ledger is committed
        outcome = recompute_all_enqueue(chunk_size=2)

    run = DailyRun.objects.get()
    assert outcome == {"accounts": 5, "chunks": 3, "run": run.pk}
    chunks = list(DailyChunk.objects.filter(run=run).order_by("number"))
    # [first, end) ranges that cover every active account once, in id order.
    assert [(c.first_pk, c.end_pk, c.status) for c in chunks] == [
        (active[0], active[2], "pending"), (active[2], active[4], "pending"), (active[4], active[4] + 1, "pending")
    ]
    packages = [SignedPackage.loads(q.payload) for q in OrmQ.objects.order_by("id")]
    assert [p["func"] for p in packages] == ["scoring.tasks.daily_chunk"] * 3
    assert [p["args"] for p in packages] == [(c.pk,) for c in chunks]
    assert [p["name"] for p in packages] == ["recompute chunk 1/3", "recompute chunk 2/3", "recompute chunk 3/3"]


def test_it_enqueues_nothing_without_active_accounts(db, monkeypatch):
    monkeypatch.setattr("django_q.conf.Conf.SYNC", False)
    AccountFactory(status="churned")
    outcome = recompute_all_enqueue()
    assert (outcome["accounts"], outcome["chunks"]) == (0, 0)
    assert not OrmQ.objects.exists()
    assert DailyRun.objects.get().finished_at is not None  # nothing to do: finished at once


def test_it_splits_a_long_recompute_request_into_chunks(db, settings, monkeypatch, django_capture_on_commit_callbacks):
    """A published version or a big import must not become one giant task."""
    from scoring.tasks import recompute_enqueue

    monkeypatch.setattr("django_q.conf.Conf.SYNC", False)
    settings.RECOMPUTE_CHUNK_SIZE = 2
    with django_capture_on_commit_callbacks(execute=True):
        recompute_enqueue([5, 3, 1, 3, 4])
    packages = [SignedPackage.loads(q.payload) for q in OrmQ.objects.order_by("id")]
    assert [p["func"] for p in packages] == ["scoring.tasks.recompute_accounts"] * 2
    assert [p["args"] for p in packages] == [([1, 3],), ([4, 5],)]
