"""The daily full recompute enqueues one task per chunk of active accounts."""

from __future__ import annotations

from django_q.models import OrmQ
from django_q.signing import SignedPackage

from scoring.tasks import recompute_all_enqueue
from tests.factories import AccountFactory


def test_it_enqueues_one_task_per_chunk(db, monkeypatch):
    monkeypatch.setattr("django_q.conf.Conf.SYNC", False)  # keep the tasks in the (ORM) queue to inspect them
    active = [AccountFactory().pk for _ in range(5)]
    AccountFactory(status="churned")

    assert recompute_all_enqueue(chunk_size=2) == {"accounts": 5, "chunks": 3}

    packages = [SignedPackage.loads(q.payload) for q in OrmQ.objects.order_by("id")]
    assert [p["func"] for p in packages] == ["scoring.tasks.recompute_accounts"] * 3
    assert [p["args"][0] for p in packages] == [active[0:2], active[2:4], active[4:5]]
    assert [p["name"] for p in packages] == ["recompute chunk 1/3", "recompute chunk 2/3", "recompute chunk 3/3"]
