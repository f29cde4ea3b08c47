"""LOG_FORMAT=json: one JSON object per log line, with the fields passed in ``extra``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CODE = (
    "import django, logging; django.setup(); "
    "logging.getLogger('healthscore.test').warning('recompute %s', 'done', extra={'accounts': 12})"
)


def _run(**env) -> subprocess.CompletedProcess:
    full = {**os.environ, "DJANGO_SETTINGS_MODULE": "healthscore.settings", **env}
    return subprocess.run([sys.executable, "-c", CODE], cwd=ROOT, env=full, capture_output=True, text=True)


def test_it_writes_json_lines_when_asked():
    done = _run(LOG_FORMAT="json")
    assert done.returncode == 0, done.stderr
    entry = json.loads(done.stderr.strip().splitlines()[-1])
    assert (entry["level"], entry["logger"], entry["message"], entry["accounts"]) == (
        "WARNING", "healthscore.test", "recompute done", 12)
    assert entry["time"].endswith("+00:00")


def test_it_writes_text_by_default_and_refuses_an_unknown_format():
    done = _run()
    assert done.returncode == 0 and "WARNING healthscore.test recompute done" in done.stderr
    bad = _run(LOG_FORMAT="xml")
    assert bad.returncode != 0 and "LOG_FORMAT must be 'text' or 'json'" in bad.stderr
