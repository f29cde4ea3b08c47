"""A database a real ``qcluster`` subprocess can share with the test, and the worker process itself.

PostgreSQL: the test database (``test_<name>``) is a real database; with ``transactional_db`` every
write is committed, so the worker sees it through the same ``DATABASE_URL``.

SQLite: pytest-django's test database lives in memory, invisible to another process. For the length
of the test the default connection is pointed at a file holding a copy of it (sqlite3 backup API),
then pointed back; the in-memory database stays alive through the original connection object.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connections

from tests._clock import traveling_command

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def shared_database_url(transactional_db, tmp_path) -> Iterator[str]:
    conn = connections["default"]
    if conn.vendor == "postgresql":
        s = conn.settings_dict
        auth = quote(s["USER"] or "", safe="")
        if s.get("PASSWORD"):
            auth += ":" + quote(s["PASSWORD"], safe="")
        host = s.get("HOST") or "127.0.0.1"
        port = s.get("PORT") or 5432
        yield f"postgres://{auth}@{host}:{port}/{s['NAME']}"
        return
    assert conn.vendor == "sqlite", conn.vendor
    import sqlite3

    path = tmp_path / "e2e.sqlite3"
    conn.ensure_connection()
    memory = conn.connection
    target = sqlite3.connect(path)
    memory.backup(target)
    # The copy is written in rollback-journal mode. Switching a database to WAL needs it unlocked, and SQLite
    # refuses the switch at once ("database is locked", no busy wait) when another process is writing, so two
    # subprocesses opening the copy together raced on settings' init_command. WAL is stored in the file:
    # set it here, once, and their PRAGMA is a no-op.
    assert target.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal"
    target.close()
    saved_name = conn.settings_dict["NAME"]
    conn.connection = None
    conn.settings_dict["NAME"] = str(path)
    try:
        yield f"sqlite:///{path}"
    finally:
        conn.close()
        conn.settings_dict["NAME"] = saved_name
        conn.connection = memory


class Worker:
    def __init__(self, process: subprocess.Popen, log: Path):
        self.process = process
        self.log = log

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """SIGTERM to qcluster itself (it stops its sentinel, pusher, worker and monitor in about a
        second; a signal to every process of the group at once can wedge that shutdown), then
        SIGKILL to whatever is left of its process group."""
        if self.process.poll() is None:
            try:
                self.process.send_signal(signal.SIGTERM)
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)


@pytest.fixture
def start_worker(request, tmp_path):
    """start_worker(database_url, redis_url=None, env=None) -> Worker: one ``manage.py qcluster`` with one
    worker (or, with ``command``, another long-running management command in the same environment;
    ``env`` adds or overrides variables, e.g. ``Q_WORKERS``)."""

    def start(database_url: str, redis_url: str | None = None, command: tuple[str, ...] = ("qcluster",),
              env: dict[str, str] | None = None) -> Worker:
        extra_env = env or {}
        env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "Q_SYNC", "SLACK_WEBHOOK_URL"}}
        env.update(
            DATABASE_URL=database_url,
            Q_WORKERS="1",
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            PYTHONUNBUFFERED="1",
        )
        if redis_url:
            env["REDIS_URL"] = redis_url
        env.update(extra_env)
        log = tmp_path / f"{command[0]}-{len(list(tmp_path.glob(command[0] + '-*')))}.log"
        handle = log.open("w")
        command, extra = traveling_command(["manage.py", *command])
        env.update(extra)
        process = subprocess.Popen(
            command,
            cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True,
        )
        handle.close()
        worker = Worker(process, log)
        request.addfinalizer(worker.stop)
        return worker

    return start


def wait_for(predicate, *, timeout: float, worker: Worker, what: str, interval: float = 0.05) -> float:
    """Poll until ``predicate()`` is true; returns the seconds it took. Fails with the worker's log."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        if worker.process.poll() is not None:
            pytest.fail(f"qcluster exited ({worker.process.returncode}) while waiting for {what}:\n{worker.tail()}")
        time.sleep(interval)
    pytest.fail(f"Timed out after {timeout:.0f} s waiting for {what}. qcluster log:\n{worker.tail()}")


def within_one_local_day(seconds: float) -> float:
    """Make room for a test that reads "today" before and after ``seconds`` of waiting on real workers
    (which score by their own clock): if local midnight is nearer than that, wait until it has passed.
    Returns the seconds waited (0 on all but a few minutes of the day)."""
    import datetime as dt

    from django.utils import timezone

    now = timezone.localtime()
    midnight = timezone.make_aware(dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time.min))
    left = (midnight - now).total_seconds()
    if left > seconds:
        return 0.0
    time.sleep(left + 1)
    return left + 1
