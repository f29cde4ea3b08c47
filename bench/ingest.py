"""Bulk-ingest throughput: one 5,000-item batch through scoring.ingest (the API's service), fresh and replayed.

Run against PostgreSQL with your own database, e.g.:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hs_api SECRET_KEY=x .venv/bin/python bench/ingest.py
It migrates the database, creates 1,000 accounts and the standard signals if missing, and prints
observations per second. Quality bar (DESIGN.md): ≥ 10,000 observations/s.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "healthscore.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

BATCH = 5000
ACCOUNTS = 1000
ROUNDS = 5


def main() -> None:
    call_command("migrate", verbosity=0)
    from accounts.models import Account
    from scoring.ingest import observations_bulk_store
    from scoring.models import Observation
    from tests.factories import create_standard_signals

    signals = list(create_standard_signals())
    existing = Account.objects.filter(external_id__startswith="bench-").count()
    Account.objects.bulk_create(
        [Account(name=f"Bench {i}", external_id=f"bench-{i:05d}") for i in range(existing, ACCOUNTS)]
    )
    run = uuid.uuid4().hex[:8]  # fresh timestamps per run, so the first pass stores everything
    base = timezone.now().replace(microsecond=0) - dt.timedelta(days=30)
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']}), batch {BATCH} items")
    for round_no in range(ROUNDS):
        items = [
            {
                "account": f"bench-{i % ACCOUNTS:05d}",
                "signal": signals[i % len(signals)],
                "value": float(i % 97),
                "observed_at": (base + dt.timedelta(seconds=round_no * BATCH + i)).isoformat(),
                "source": f"bench-{run}",
            }
            for i in range(BATCH)
        ]
        t0 = time.perf_counter()
        fresh = observations_bulk_store(items=items, source="bench")
        t1 = time.perf_counter()
        replay = observations_bulk_store(items=items, source="bench")
        t2 = time.perf_counter()
        assert len(fresh.created) == BATCH and len(replay.duplicates) == BATCH
        print(
            f"round {round_no + 1}: new {BATCH / (t1 - t0):>9,.0f} obs/s ({(t1 - t0) * 1000:.0f} ms)"
            f" · replay {BATCH / (t2 - t1):>9,.0f} obs/s ({(t2 - t1) * 1000:.0f} ms)"
        )
    print(f"observations in table: {Observation.objects.count():,}")


if __name__ == "__main__":
    main()
