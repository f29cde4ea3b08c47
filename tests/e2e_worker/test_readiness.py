"""/readyz follows a real qcluster: ready while it runs, unavailable within seconds of its stop."""

from __future__ import annotations

import os
import time

import pytest

from tests.e2e_worker.conftest import wait_for

pytestmark = pytest.mark.e2e
REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


def test_it_turns_unavailable_when_the_worker_stops(shared_database_url, start_worker, monkeypatch, client):
    import redis

    try:
        redis.from_url(REDIS_TEST_URL, socket_connect_timeout=2).flushdb()
    except redis.RedisError as exc:
        pytest.fail(f"Redis is not reachable at {REDIS_TEST_URL} (set REDIS_TEST_URL): {exc}")
    monkeypatch.setattr("django_q.conf.Conf.SYNC", False)
    monkeypatch.setattr("django_q.conf.Conf.ORM", None)
    monkeypatch.setattr("django_q.conf.Conf.REDIS", REDIS_TEST_URL)
    monkeypatch.setattr("django.conf.settings.REDIS_URL", REDIS_TEST_URL)
    assert client.get("/readyz").json()["checks"]["workers"]["ok"] is False

    worker = start_worker(shared_database_url, redis_url=REDIS_TEST_URL)
    wait_for(lambda: client.get("/readyz").status_code == 200, timeout=60, worker=worker, what="/readyz 200")
    body = client.get("/readyz").json()
    assert body["checks"]["workers"]["clusters"] == 1 and body["checks"]["broker"]["kind"] == "redis"

    worker.stop()
    stopped = time.monotonic()
    while client.get("/readyz").status_code != 503:
        assert time.monotonic() - stopped < 15, "still ready 15 s after the worker stopped"
        time.sleep(0.2)
    body = client.get("/readyz").json()
    assert body["status"] == "unavailable" and body["checks"]["workers"]["ok"] is False
    print(f"\n/readyz unavailable {time.monotonic() - stopped:.1f} s after the worker stopped")
