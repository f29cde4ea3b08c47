"""django-q2 settings: a task is never handed to a second worker while the first still runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def test_it_retries_only_after_the_timeout_and_gives_up_after_a_few_attempts():
    q = settings.Q_CLUSTER
    assert q["retry"] > q["timeout"]
    assert 1 <= q["max_attempts"] <= 5


def _cluster_of(**env_overrides) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    env.update(env_overrides)
    code = (
        "import django; django.setup(); from django.conf import settings; q = settings.Q_CLUSTER; "
        "print(q.get('orm'), q.get('redis'))"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**env, "DJANGO_SETTINGS_MODULE": "healthscore.settings"},
        capture_output=True, text=True, check=True,
    ).stdout.strip()


def test_it_uses_the_orm_broker_unless_redis_is_configured():
    assert _cluster_of() == "default None"
    assert _cluster_of(REDIS_URL="redis://127.0.0.1:6379/3") == "None redis://127.0.0.1:6379/3"
