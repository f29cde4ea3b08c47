"""The database handed to subprocesses can be opened by two of them at once.

CI failed once on SQLite with "database is locked" raised from the connection's ``init_command``: the file copy
was in rollback-journal mode, both processes ran ``PRAGMA journal_mode=WAL`` on connecting, and SQLite refuses a
journal-mode switch at once, without the busy timeout, while another connection writes. The copy is now WAL
already, so a connection opened while another process holds a write transaction connects and waits its turn.
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from django.db import connection

from tests.e2e_worker.conftest import ROOT, shared_database_url  # noqa: F401  (fixture)

# Opens the shared database through Django's settings (so its init_command runs) while the test holds a write.
CONNECT = """
import django
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("SELECT 1")
print("connected")
"""


def _hold_a_write(url: str):
    """A connection (not Django's, whose init_command would set WAL itself) with a write transaction open."""
    if url.startswith("sqlite:///"):
        import sqlite3

        raw = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        raw.execute("BEGIN IMMEDIATE")
        raw.execute("INSERT INTO healthscore_cache (cache_key, value, expires) VALUES ('held', '0', '2099-01-01')")
        return raw
    cursor = connection.cursor()
    cursor.execute("BEGIN")
    cursor.execute("INSERT INTO healthscore_cache (cache_key, value, expires) VALUES ('held', '0', '2099-01-01')")
    return cursor


@pytest.mark.django_db(transaction=True)
def test_a_process_connects_while_another_holds_a_write(shared_database_url):  # noqa: F811
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "healthscore.settings", "DEBUG": "false",
           "SECRET_KEY": "x" * 50, "PYTHONPATH": str(ROOT), "DATABASE_URL": shared_database_url}
    holder = _hold_a_write(shared_database_url)
    proc = subprocess.Popen([sys.executable, "-c", CONNECT], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.5)  # the subprocess connects (or fails) while the write is held
    holder.execute("COMMIT")
    holder.close()
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert out.strip().splitlines()[-1] == "connected"
