"""The daily full recompute enqueues one task per contiguous id range of active accounts."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_q.models import OrmQ
from django_q.signing import SignedPackage

from playbooks.models import Task
from scoring.models import AccountScore, ScoreChange
from scoring.tasks import recompute_all_enqueue, recompute_range
from tests.factories import AccountFactory, observe
from tests.playbooks.engine_world import build_world


def test_it_enqueues_one_task_per_chunk(db, monkeypatch):
    monkeypatch.setattr("django_q.conf.Conf.SYNC", False)  # keep the tasks in the (ORM) queue to inspect them
    active = [AccountFactory().pk for _ in range(3)]
    AccountFactory(status="churned")  # inside the second range, skipped by its task
    active += [AccountFactory().pk for _ in range(2)]

    assert recompute_all_enqueue(chunk_size=2) == {"accounts": 5, "chunks": 3}

    packages = [SignedPackage.loads(q.payload) for q in OrmQ.objects.order_by("id")]
    assert [p["func"] for p in packages] == ["scoring.tasks.recompute_range"] * 3
    # [first, end) ranges that cover every active account once, in id order.
    assert [p["args"] for p in packages] == [
        (active[0], active[2]), (active[2], active[4]), (active[4], active[4] + 1)
    ]
    assert [p["name"] for p in packages] == ["recompute chunk 1/3", "recompute chunk 2/3", "recompute chunk 3/3"]


def test_it_enqueues_nothing_without_active_accounts(db, monkeypatch):
    monkeypatch.setattr("django_q.conf.Conf.SYNC", False)
    AccountFactory(status="churned")
    assert recompute_all_enqueue() == {"accounts": 0, "chunks": 0}
    assert not OrmQ.objects.exists()


def test_it_recomputes_a_range_and_runs_its_triggers(db):
    now = timezone.now()
    world = build_world(now)  # Acme, green (90) since yesterday; a red playbook
    outside = AccountFactory(segment=world.account.segment)
    observe(outside, world.signal, 5, now - dt.timedelta(hours=2))
    observe(world.account, world.signal, 10, now - dt.timedelta(minutes=1), source="drop")  # rapid decline → red

    outcome = recompute_range(world.account.pk, world.account.pk + 1)

    assert (outcome["accounts"], outcome["tasks"]) == (1, 1)
    assert AccountScore.objects.get(account=world.account).tier == "red"
    assert not AccountScore.objects.filter(account=outside).exists()  # not in the range
    change = ScoreChange.objects.get(account=world.account, from_tier="green")
    assert Task.objects.get().opened_by_change == change


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
