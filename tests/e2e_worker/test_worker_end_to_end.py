"""A real qcluster process turns a stored observation into a score and a task (ORM and Redis brokers).

Run with ``-s`` to see the measured seconds from observation stored (commit) to task visible.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_q.models import Success
from django_q.tasks import async_task

from playbooks.models import Task
from scoring.models import AccountScore
from scoring.tasks import recompute_enqueue
from tests.e2e_worker.conftest import wait_for
from tests.playbooks.engine_world import build_world, drop

pytestmark = pytest.mark.e2e
TIMEOUT_SECONDS = 60
REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


def _drop_to_red_and_wait(worker) -> float:
    now = timezone.now()
    world = build_world(now)
    assert AccountScore.objects.get(account=world.account).tier == "green"
    # The worker is up once it has run a first (no-op) task.
    async_task("math.floor", 1.5, task_name="warm-up")
    wait_for(lambda: Success.objects.filter(name="warm-up").exists(), timeout=TIMEOUT_SECONDS, worker=worker,
             what="the warm-up task")

    with transaction.atomic():
        drop(world, timezone.now() - dt.timedelta(seconds=1))
        recompute_enqueue([world.account.pk])  # async_task runs on commit: nothing is computed here
    stored = timezone.now()
    seconds = wait_for(
        lambda: Task.objects.filter(account=world.account, status="open").exists(),
        timeout=TIMEOUT_SECONDS, worker=worker, what="the red task",
    )

    score = AccountScore.objects.get(account=world.account)
    assert (score.score, score.tier) == (10.0, "red")
    task = Task.objects.get(account=world.account)
    assert (task.title, task.assignee, task.opened_in_tier) == ("Call the champion", world.owner, "red")
    assert score.computed_at >= stored - dt.timedelta(seconds=1)
    return seconds


def test_it_scores_and_opens_a_task_through_a_real_worker_on_the_orm_broker(
    shared_database_url, start_worker, monkeypatch
):
    monkeypatch.setattr("django_q.conf.Conf.SYNC", False)
    worker = start_worker(shared_database_url)

    seconds = _drop_to_red_and_wait(worker)

    print(f"\nE2E orm broker on {connection.vendor}: observation stored -> task visible in {seconds:.2f} s")


def test_it_scores_and_opens_a_task_through_a_real_worker_on_the_redis_broker(
    shared_database_url, start_worker, monkeypatch
):
    import redis

    try:
        redis.from_url(REDIS_TEST_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis is not reachable at {REDIS_TEST_URL} (set REDIS_TEST_URL): {exc}")
    monkeypatch.setattr("django_q.conf.Conf.SYNC", False)
    monkeypatch.setattr("django_q.conf.Conf.ORM", None)
    monkeypatch.setattr("django_q.conf.Conf.REDIS", REDIS_TEST_URL)
    from django_q.brokers import get_broker

    get_broker().purge_queue()  # leftovers of an earlier, interrupted run
    worker = start_worker(shared_database_url, redis_url=REDIS_TEST_URL)

    seconds = _drop_to_red_and_wait(worker)

    print(f"\nE2E redis broker on {connection.vendor}: observation stored -> task visible in {seconds:.2f} s")
