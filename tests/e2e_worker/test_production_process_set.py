"""The production process set, started the way the README says (``bin/prod-local``, which ``make
prod-local`` runs): gunicorn with DEBUG off and whitenoise, two qcluster processes, Redis as broker.

It serves a page and its hashed static files, reports ready, takes an ingest batch over HTTP and
the score moves through the workers. Runs on the suite's database (PostgreSQL in CI, and SQLite).
The server processes use the real clock: this test is not part of the dated (``--now``) reruns.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.utils import timezone

from support.models import ApiToken
from tests.playbooks.engine_world import build_world

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")
STARTUP_SECONDS = 120


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def _post_json(url: str, body: dict, headers: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


class ProcessSet:
    def __init__(self, process: subprocess.Popen, log: Path, base: str):
        self.process, self.log, self.base = process, log, base

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def wait(self, predicate, what: str, timeout: float = 60) -> float:
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if self.process.poll() is not None:
                pytest.fail(f"bin/prod-local exited ({self.process.returncode}) waiting for {what}:\n{self.tail()}")
            try:
                if predicate():
                    return time.monotonic() - start
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.25)
        pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}:\n{self.tail()}")

    def stop(self) -> None:
        # honcho stops its processes on SIGTERM; whatever is left of the group gets SIGKILL.
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)


@pytest.fixture
def process_set(shared_database_url, tmp_path, request, monkeypatch):
    import redis

    try:
        redis.from_url(REDIS_TEST_URL, socket_connect_timeout=2).flushdb()
    except redis.RedisError as exc:
        pytest.fail(f"Redis is not reachable at {REDIS_TEST_URL} (set REDIS_TEST_URL): {exc}")
    # The test process reads what the server processes write; it runs no task itself.
    monkeypatch.setattr("django_q.conf.Conf.SYNC", False)

    def start() -> ProcessSet:
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if k not in {"Q_SYNC", "SLACK_WEBHOOK_URL", "STATIC_MANIFEST"}}
        env.update(
            DATABASE_URL=shared_database_url, REDIS_URL=REDIS_TEST_URL, PORT=str(port), WORKERS="2",
            Q_WORKERS="1", WEB_CONCURRENCY="2", STATIC_ROOT=str(tmp_path / "static"), PYTHONUNBUFFERED="1",
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        )
        log = tmp_path / "prod-local.log"
        with log.open("w") as handle:
            process = subprocess.Popen([str(ROOT / "bin" / "prod-local")], cwd=ROOT, env=env, stdout=handle,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        running = ProcessSet(process, log, f"http://127.0.0.1:{port}")
        request.addfinalizer(running.stop)
        return running

    return start


def test_it_serves_pages_and_static_files_and_moves_a_score_through_two_workers(process_set):
    now = timezone.now()
    world = build_world(now)
    before = world.account.score.score
    _, key = ApiToken.generate(name="prod e2e", scope_ingest=True, scope_read=True)
    auth = {"Authorization": f"Bearer {key}"}

    prod = process_set()
    ready = {}

    def is_ready() -> bool:
        status, _, body = _get(prod.base + "/readyz")
        ready.update(json.loads(body))
        return status == 200

    seconds = prod.wait(is_ready, "/readyz to answer 200", timeout=STARTUP_SECONDS)
    assert ready["checks"]["workers"]["clusters"] == 2, ready
    assert ready["checks"]["broker"]["kind"] == "redis"
    print(f"\nprocess set ready in {seconds:.1f} s: {ready['checks']['workers']}")

    # A page under DEBUG=false, and its stylesheet under a content-hashed name, cached for good.
    status, _, page = _get(prod.base + "/login/")
    assert status == 200
    css = re.search(rb'href="(/static/css/app\.[0-9a-f]{12}\.css)"', page)
    assert css, page[:2000]
    status, headers, body = _get(prod.base + css.group(1).decode())
    assert status == 200 and b"{" in body
    assert "max-age=315360000" in headers.get("Cache-Control", ""), headers
    status, _, _ = _get(prod.base + "/static/css/app.css.missing")
    assert status == 404

    # An ingest batch over HTTP; a worker recomputes the account and the score moves.
    observed = (timezone.now() - dt.timedelta(seconds=5)).isoformat()
    status, body = _post_json(prod.base + "/api/v1/observations/", {"items": [
        {"account": "acme", "signal": "logins", "value": 10, "observed_at": observed}]}, auth)
    assert (status, body["created"]) == (201, 1), body
    health = {}

    def moved() -> bool:
        status, _, body = _get(prod.base + "/api/v1/accounts/acme/health", auth)
        health.update(json.loads(body))
        return status == 200 and health.get("score") != before

    seconds = prod.wait(moved, "the score to move", timeout=60)
    assert (health["score"], health["tier"]) == (10.0, "red"), health
    print(f"ingest over HTTP -> score moved in {seconds:.2f} s")
