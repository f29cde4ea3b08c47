"""Issue #12 item 5: one cache shared by every process — Redis when REDIS_URL is set, the database cache
otherwise (its table made by ``migrate``) — holding the API throttle and the login-throttling counts.

Before: each process had its own memory cache, so 3 workers let 60 of 120 requests through at 20/min.
Here two real processes count against the same token at once; together they get exactly the rate.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection

from tests.e2e_worker.conftest import shared_database_url  # noqa: F401  (fixture: the test DB for subprocesses)

ROOT = Path(__file__).resolve().parents[2]
REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")
RATE = 20
ATTEMPTS = 30

# Each process: ATTEMPTS requests of one token through the real throttle class; prints per window
# (the throttle counts per fixed window) how many it tried and how many were let through.
COUNTER = """
import json, sys, types, django
django.setup()
from support.models import ApiToken
from support.throttles import TokenRateThrottle
request = types.SimpleNamespace(auth=ApiToken(prefix=sys.argv[1]), user=None)
seen = {}
for _ in range(int(sys.argv[2])):
    throttle = TokenRateThrottle()
    allowed = throttle.allow_request(request, None)
    window = str(int(throttle.timer() // throttle.duration))
    tried, passed = seen.get(window, (0, 0))
    seen[window] = (tried + 1, passed + int(allowed))
print(json.dumps(seen))
"""


def _two_processes(env: dict[str, str]) -> tuple[Counter, Counter]:
    prefix = f"shared-{uuid.uuid4().hex[:8]}"
    base = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "healthscore.settings", "DEBUG": "false", "SECRET_KEY": "x" * 50,
        "API_THROTTLE_RATE": f"{RATE}/day", "PYTHONPATH": str(ROOT), **env,
    }
    procs = [
        subprocess.Popen([sys.executable, "-c", COUNTER, prefix, str(ATTEMPTS)], cwd=ROOT, env=base,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    tried, passed = Counter(), Counter()
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        for window, (t, p) in json.loads(out.strip().splitlines()[-1]).items():
            tried[window] += t
            passed[window] += p
    return tried, passed


def _assert_shared(tried: Counter, passed: Counter) -> None:
    assert sum(tried.values()) == 2 * ATTEMPTS
    # Per window (a run may straddle midnight UTC), both processes together get exactly the rate.
    assert passed == Counter({w: min(t, RATE) for w, t in tried.items()})


@pytest.mark.django_db(transaction=True)
def test_two_processes_share_the_api_throttle_count_in_the_database_cache(shared_database_url):  # noqa: F811
    _assert_shared(*_two_processes({"DATABASE_URL": shared_database_url}))


def test_two_processes_share_the_api_throttle_count_in_redis():
    import redis

    try:
        redis.from_url(REDIS_TEST_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis is not reachable at {REDIS_TEST_URL} (set REDIS_TEST_URL): {exc}")
    _assert_shared(*_two_processes({"REDIS_URL": REDIS_TEST_URL}))


@pytest.mark.django_db
def test_migrate_made_the_cache_table_and_every_throttle_uses_the_default_cache():
    from axes.helpers import get_cache

    from support.throttles import TokenRateThrottle

    assert settings.CACHES["default"]["BACKEND"] == "healthscore.cache.DatabaseCache"
    assert "healthscore_cache" in connection.introspection.table_names()
    assert get_cache() is caches["default"]
    assert settings.AXES_HANDLER == "axes.handlers.cache.AxesCacheHandler"
    TokenRateThrottle.cache.set("probe", 41)
    assert caches["default"].incr("probe") == 42


@pytest.mark.django_db
def test_the_database_cache_counts_atomically_and_refuses_missing_or_expired_keys():
    cache = caches["default"]
    assert cache.add("n", 0, 60) is True
    assert [cache.incr("n") for _ in range(3)] == [1, 2, 3]
    with pytest.raises(ValueError):
        cache.incr("missing")
    cache.set("old", 5, -1)
    with pytest.raises(ValueError):
        cache.incr("old")


def test_redis_url_selects_the_redis_cache():
    script = "import django, json; django.setup(); from django.conf import settings; print(json.dumps(settings.CACHES))"
    env = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "healthscore.settings", "DEBUG": "false",
           "SECRET_KEY": "x" * 50, "REDIS_URL": "redis://cache.internal:6379/2"}
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    caches_setting = json.loads(out.stdout.strip().splitlines()[-1])
    assert caches_setting["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert caches_setting["default"]["LOCATION"] == "redis://cache.internal:6379/2"
