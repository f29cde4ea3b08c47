"""Full-recompute speed: N accounts × 8 signals × 90 days of daily observations.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hs_bench SECRET_KEY=x .venv/bin/python bench/recompute.py
    [--accounts 10000] [--days 90] [--runs 2] [--profile] [--build-only] [--chunk N ...]

Uses DATABASE_URL as given (create the database first: ``createdb hs_bench``); it
migrates it, and refuses to run when it holds accounts that are not bench
accounts (external id "bench-…"), so it never touches real data. The book is
built once (PostgreSQL: COPY; SQLite: executemany) in time order, day by day, as
daily ingestion would write it, and reused by later runs with the same size.

Prints: the time of one ``GROUP BY account, signal`` pass over the observations,
the time of a full ``scores_recompute`` (first run: empty score tables, every
account logs its first score; then steady-state runs with stored state), and their
ratio. ``--chunk N`` also times the daily schedule's shape (one task per N accounts,
run one after another) by id range and by id list; ``--block N`` sets the
aggregation block of the full run.
Quality bar (DESIGN.md): ≤ 20 s and ≤ 3× the single pass for 10,000 accounts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import sys
import time
from pathlib import Path

# bench/ itself stays off the path, so a script named like a standard module can never shadow it.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "healthscore.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

SIGNAL_COUNT = 8
NOW = dt.datetime(2026, 6, 30, 18, 0, tzinfo=dt.UTC)


def _setup_models():
    from scoring.models import ScoreModelVersion, Segment
    from tests.factories import create_published_version, create_standard_signals

    signals = create_standard_signals()
    segment, _ = Segment.objects.get_or_create(slug="default", defaults={"name": "Default", "is_default": True})
    if not ScoreModelVersion.objects.filter(model__segment=segment, status="published").exists():
        create_published_version(segment, signals)
    return list(signals.values())


def _refuse_real_data() -> None:
    from accounts.models import Account

    if Account.objects.exclude(external_id__startswith="bench-").exists():
        sys.exit(f"refusing: database {connection.settings_dict['NAME']!r} holds non-bench accounts")


def _rows(account_ids: list[int], signals, days: int):
    """Daily observations, day-major (as daily ingestion writes them)."""
    rng = random.Random(2026)
    health = {a: rng.random() for a in account_ids}
    slope = {a: rng.uniform(-0.006, 0.004) for a in account_ids}
    for d in range(days - 1, -1, -1):
        at = (NOW - dt.timedelta(days=d)).replace(hour=9)
        for a in account_ids:
            h = min(1.0, max(0.0, health[a] - slope[a] * d))
            for s in signals:
                noise = rng.random() * 0.2 - 0.1
                value = s.bad_value + (s.good_value - s.bad_value) * min(1.0, max(0.0, h + noise))
                yield a, s.pk, round(value, 3), at, f"bench|{a}|{s.pk}|{d}"


def _drop_observation_indexes(cursor) -> list[str]:
    """Drop the observation table's secondary indexes and constraints (kept: the primary key) and
    return the statements that restore them: a bulk load then builds each index once, sorted,
    instead of maintaining it row by row (hours instead of minutes at 72M rows)."""
    cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                   "WHERE conrelid = 'scoring_observation'::regclass AND contype IN ('u', 'f')")
    constraints = cursor.fetchall()
    cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'scoring_observation' "
                   "AND indexname NOT IN (SELECT conname FROM pg_constraint "
                   "WHERE conrelid = 'scoring_observation'::regclass)")
    indexes = cursor.fetchall()
    for name, _ in constraints:
        cursor.execute(f'ALTER TABLE scoring_observation DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _, definition in indexes] + [
        f'ALTER TABLE scoring_observation ADD CONSTRAINT "{name}" {definition}' for name, definition in constraints
    ]


def _build(n: int, days: int, signals) -> None:
    from accounts.models import Account
    from scoring.models import AccountScore, Observation, ScoreChange, ScoreSnapshot

    want = n * SIGNAL_COUNT * days
    if Account.objects.count() == n and Observation.objects.count() == want:
        print(f"reusing the book: {n:,} accounts, {want:,} observations")
        return
    print(f"building the book: {n:,} accounts × {SIGNAL_COUNT} signals × {days} days = {want:,} observations …")
    t0 = time.perf_counter()
    for model in (ScoreChange, ScoreSnapshot, AccountScore, Observation):
        model.objects.all()._raw_delete(model.objects.db)
    Account.objects.all().delete()
    Account.objects.bulk_create(
        [Account(name=f"Bench {i}", external_id=f"bench-{i:06d}") for i in range(n)], batch_size=5000
    )
    ids = list(Account.objects.order_by("pk").values_list("pk", flat=True))
    created = NOW.isoformat()
    with transaction.atomic(), connection.cursor() as cursor:  # indexes come back even if the load fails
        if connection.vendor == "postgresql":
            restore = _drop_observation_indexes(cursor)
            cols = "account_id, signal_id, value, observed_at, source, idempotency_key, created_at"
            with cursor.cursor.copy(f"COPY scoring_observation ({cols}) FROM STDIN") as copy:
                buf = io.StringIO()
                for i, (a, sid, v, at, key) in enumerate(_rows(ids, signals, days)):
                    buf.write(f"{a}\t{sid}\t{v}\t{at.isoformat()}\tbench\t{key}\t{created}\n")
                    if i % 200_000 == 199_999:
                        copy.write(buf.getvalue())
                        buf = io.StringIO()
                copy.write(buf.getvalue())
            print(f"copied in {time.perf_counter() - t0:.0f} s; indexing …")
            cursor.execute("SET maintenance_work_mem = '512MB'")
            for statement in restore:
                cursor.execute(statement)
        else:
            sql = ("INSERT INTO scoring_observation (account_id, signal_id, value, observed_at, source, "
                   "idempotency_key, created_at) VALUES (%s, %s, %s, %s, 'bench', %s, %s)")
            adapt = connection.ops.adapt_datetimefield_value
            batch = []
            for a, sid, v, at, key in _rows(ids, signals, days):
                batch.append((a, sid, v, adapt(at), key, adapt(NOW)))
                if len(batch) == 100_000:
                    cursor.executemany(sql, batch)
                    batch = []
            cursor.executemany(sql, batch)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE scoring_observation")
    print(f"built in {time.perf_counter() - t0:.0f} s")


def _single_pass() -> float:
    sql = ("SELECT account_id, signal_id, COUNT(*), SUM(value), MAX(observed_at) "
           "FROM scoring_observation GROUP BY account_id, signal_id")
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql)
        rows = cursor.fetchall()
    assert rows
    return time.perf_counter() - t0


def _recompute(profile: bool) -> tuple[float, int]:
    from scoring.services import scores_recompute

    t0 = time.perf_counter()
    if profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        result = prof.runcall(scores_recompute, now=NOW)
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    else:
        result = scores_recompute(now=NOW)
    return time.perf_counter() - t0, len(result.account_ids)


def _chunked(size: int) -> None:
    """The daily schedule's shape: one task per chunk, run one after another (one worker)."""
    from accounts.models import Account
    from scoring.services import scores_recompute

    ids = list(Account.objects.order_by("pk").values_list("pk", flat=True))
    for how in ("range", "ids"):
        t0 = time.perf_counter()
        for i in range(0, len(ids), size):
            chunk = ids[i : i + size]
            if how == "range":
                scores_recompute(account_range=(chunk[0], chunk[-1] + 1), now=NOW)
            else:
                scores_recompute(account_ids=chunk, now=NOW)
        took = time.perf_counter() - t0
        print(f"chunks of {size:,} by {how}:{' ' * (6 - len(how))}{took:6.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--runs", type=int, default=2, help="steady-state runs after the first")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--build-only", action="store_true", help="build (or check) the book and stop")
    parser.add_argument("--block", type=int, help="accounts per aggregation of the pipelined full run")
    parser.add_argument("--chunk", type=int, action="append", default=[],
                        help="also time the run as tasks of this many accounts (by id range and by id list)")
    args = parser.parse_args()

    if args.block:
        from scoring import services

        services.AGGREGATE_BLOCK = args.block
    call_command("migrate", verbosity=0)
    _refuse_real_data()
    signals = _setup_models()
    _build(args.accounts, args.days, signals)
    if args.build_only:
        return
    from django.conf import settings

    from scoring.models import AccountScore, ScoreChange, ScoreSnapshot

    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']}), "
          f"chunk {settings.RECOMPUTE_CHUNK_SIZE}, cpus {os.cpu_count()}, load {os.getloadavg()[0]:.2f}")
    passes = [_single_pass() for _ in range(3)]
    single = min(passes)
    print(f"one GROUP BY pass:        {single:6.2f} s  (best of {', '.join(f'{p:.2f}' for p in passes)})")
    with transaction.atomic():
        for model in (ScoreChange, ScoreSnapshot, AccountScore):
            model.objects.all()._raw_delete(model.objects.db)
    if connection.vendor == "postgresql":  # dead rows of earlier sessions' runs would slow the writes
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE scoring_scorechange, scoring_scoresnapshot, scoring_accountscore, "
                           "accounts_account")
    first, n = _recompute(args.profile)
    print(f"full recompute, first:    {first:6.2f} s  {n:,} accounts  ratio {first / single:.1f}×")
    for i in range(args.runs):
        steady, n = _recompute(False)
        print(f"full recompute, run {i + 2}:    {steady:6.2f} s  {n:,} accounts  ratio {steady / single:.1f}×")
    for size in args.chunk:
        _chunked(size)
    print(f"load average now: {os.getloadavg()[0]:.2f} (2 cores shared with other work)")


if __name__ == "__main__":
    main()
