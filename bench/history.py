"""Replaying a past book (#14): import throughput and peak memory, history build, snapshot size, and the
backtest, suggestion and preview over the whole book.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hs_history SECRET_KEY=x .venv/bin/python bench/history.py
    [--accounts 2000] [--days 365] [--signals 3] [--skip-import]

Uses DATABASE_URL as given; migrates it and refuses to run when it holds accounts that are not bench
accounts (external id "bench-…"). Everything goes through the documented commands: ``import_csv`` (accounts,
observations and outcomes, ``--historical``; the observation import runs in a subprocess so its peak memory
is its own), ``recompute_scores --all --from --to``, then ``backtest_run`` / ``weights_suggest`` /
``preview_build`` for the book's period. The book ends a year before NOW.

Prints: observation rows, import rows/s and peak RSS; snapshots built and snapshots/s; snapshot bytes per
row (PostgreSQL: table + indexes + TOAST / rows); backtest, suggestion and preview seconds.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "healthscore.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

END = (timezone.now() - dt.timedelta(days=366)).date()
SIGNALS = ("weekly_logins", "active_user_rate", "open_tickets", "core_feature_adoption")
# One work folder per database: two benches at once never write each other's files.
WORK = Path(f"/tmp/hs_bench_history_{connection.settings_dict['NAME']}")


def _setup() -> None:
    from accounts.models import Account
    from scoring.models import ScoreModelVersion, Segment
    from tests.factories import create_published_version, create_standard_signals

    call_command("migrate", verbosity=0)
    if Account.objects.exclude(external_id__startswith="bench-").exists():
        sys.exit(f"refusing: database {connection.settings_dict['NAME']!r} holds non-bench accounts")
    signals = create_standard_signals()
    segment, _ = Segment.objects.get_or_create(slug="default", defaults={"name": "Default", "is_default": True})
    if not ScoreModelVersion.objects.filter(model__segment=segment, status="published").exists():
        create_published_version(segment, signals)


def _book(accounts: int, days: int, signals: int) -> tuple[Path, Path, Path, int]:
    WORK.mkdir(exist_ok=True)
    rng = random.Random(14)
    start = END - dt.timedelta(days=days - 1)
    churn = {i: start + dt.timedelta(days=rng.randint(min(100, days // 2), days - 1)) for i in range(accounts) if rng.random() < 0.2}
    renew = {i: start + dt.timedelta(days=rng.randint(min(100, days // 2), days - 1)) for i in range(accounts)
             if i not in churn and rng.random() < 0.5}
    acc = WORK / "accounts.csv"
    with acc.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Record ID", "Company name", "Website URL", "Lifecycle Stage"])
        for i in range(accounts):
            w.writerow([f"bench-{i:06d}", f"Bench {i}", f"https://www.bench-{i}.example.com", "customer"])
    out = WORK / "outcomes.csv"
    with out.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Associated Company ID", "Deal Stage", "Close Date", "Amount"])
        for i, d in churn.items():
            w.writerow([f"bench-{i:06d}", "closedlost", d.isoformat(), 0])
        for i, d in renew.items():
            w.writerow([f"bench-{i:06d}", "closedwon", d.isoformat(), 0])
    obs = WORK / "observations.csv"
    rows = 0
    with obs.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["account_external_id", "signal_key", "value", "timestamp"])
        for i in range(accounts):
            last = churn.get(i, END)
            health = rng.random()
            for k in range((last - start).days + 1):
                day = start + dt.timedelta(days=k)
                fall = 1.0 if i not in churn else max(0.05, min(1.0, (last - day).days / 90))
                level = health * fall
                values = (round(30 * level, 1), round(100 * level, 1), round(8 * (1 - level)), round(90 * level))
                for key, value in zip(SIGNALS[:signals], values, strict=False):
                    w.writerow([f"bench-{i:06d}", key, value, f"{day.isoformat()}T09:00:00Z"])
                    rows += 1
    return acc, obs, out, rows


def _import_subprocess(kind: str, path: Path) -> tuple[float, int, str]:
    """Run the documented command in a child; its wall time and its peak RSS (KiB)."""
    started = time.monotonic()
    done = subprocess.run([sys.executable, "manage.py", "import_csv", kind, str(path), "--historical"],
                          cwd=_HERE.parent, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    if done.returncode:
        sys.exit(done.stderr[-2000:])
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return elapsed, usage.ru_maxrss, f"{done.stdout.strip()} CPU {usage.ru_utime + usage.ru_stime:.0f} s"


def _timed(label: str, fn):
    started, cpu = time.monotonic(), time.process_time()
    value = fn()
    print(f"{label}: {time.monotonic() - started:.1f} s (CPU here {time.process_time() - cpu:.1f} s)", flush=True)
    return value


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--signals", type=int, default=3, help="observations per account per day (1–4)")
    parser.add_argument("--skip-import", action="store_true", help="reuse the book already imported (the history is rebuilt)")
    parser.add_argument("--import-only", action="store_true", help="stop after the imports (throughput and memory only)")
    parser.add_argument("--jobs", type=int, default=0, help="recompute_scores --jobs (default: its own default)")
    args = parser.parse_args()
    _setup()
    start = END - dt.timedelta(days=args.days - 1)
    print(f"book: {args.accounts} accounts × {args.days} days, {start} – {END}, "
          f"{connection.vendor}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    from accounts.models import Account
    from scoring.models import Observation, ScoreSnapshot

    if not args.skip_import:
        Account.objects.filter(external_id__startswith="bench-").delete()
        if connection.vendor == "postgresql":  # every run starts from the same table: no dead rows of the last
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE scoring_observation")
        acc, obs, out, rows = _book(args.accounts, args.days, args.signals)
        call_command("import_csv", "accounts", str(acc), "--preset", "hubspot", "--historical",
                     stdout=io.StringIO(), stderr=io.StringIO())
        elapsed, peak, said = _import_subprocess("observations", obs)
        size = obs.stat().st_size / 1e6
        print(f"import observations: {rows:,} rows ({size:.0f} MB) in {elapsed:.1f} s = {rows / elapsed:,.0f} rows/s; "
              f"peak RSS {peak / 1024:.0f} MiB  [{said}]", flush=True)
        call_command("import_csv", "outcomes", str(out), "--preset", "hubspot", "--historical",
                     stdout=io.StringIO(), stderr=io.StringIO())
    if args.import_only:
        print(f"observations stored: {Observation.objects.count():,}", flush=True)
        return
    if True:  # the history of the book, rebuilt from scratch on every run
        ScoreSnapshot.objects.all().delete()
        from scoring.models import ScoreChange
        ScoreChange.objects.all().delete()
        if connection.vendor == "postgresql":  # the new rows reuse the deleted ones' space (bytes/row stays true)
            with connection.cursor() as cursor:
                cursor.execute("VACUUM scoring_scoresnapshot")
                cursor.execute("VACUUM scoring_scorechange")
        jobs = ["--jobs", str(args.jobs)] if args.jobs else []
        started, cpu = time.monotonic(), time.process_time()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        call_command("recompute_scores", "--all", "--from", start.isoformat(), "--to", END.isoformat(), *jobs,
                     stdout=io.StringIO(), stderr=io.StringIO())
        elapsed = time.monotonic() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        forked = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
        built = ScoreSnapshot.objects.count()
        print(f"history: {built:,} snapshots in {elapsed:.1f} s = {built / elapsed:,.0f} snapshots/s "
              f"(CPU here {time.process_time() - cpu:.0f} s, in its processes {forked:.0f} s; "
              f"--jobs {args.jobs or 'default'})", flush=True)
    print(f"observations stored: {Observation.objects.count():,}", flush=True)
    rows = ScoreSnapshot.objects.count()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE scoring_scoresnapshot") if not connection.in_atomic_block else None
            cursor.execute("SELECT pg_total_relation_size('scoring_scoresnapshot'), "
                           "pg_relation_size('scoring_scoresnapshot')")
            total, heap = cursor.fetchone()
        print(f"snapshots: {rows:,} rows, {total / rows:.0f} bytes/row with indexes and TOAST "
              f"({heap / rows:.0f} heap)", flush=True)
    now = timezone.now()
    from scoring.models import ScoreModelVersion
    from scoring.validation import backtest_run, weights_suggest
    from scoring.validation_preview import preview_build
    from scoring.versions import version_clone_as_draft

    version = ScoreModelVersion.objects.filter(status="published").first()
    report = _timed("backtest", lambda: backtest_run(now=now, start=start, end=END))
    print(f"  outcomes {report['outcomes']}, recall 30 d red {report['recall'][30]['red'].numerator}/"
          f"{report['recall'][30]['red'].denominator}", flush=True)
    suggestion = _timed("suggest", lambda: weights_suggest(version=version, now=now, start=start, end=END))
    print(f"  churned cases {suggestion.churned_cases}, retained {suggestion.retained_cases}", flush=True)
    draft = version_clone_as_draft(version=version, actor=None)
    try:
        _timed("preview", lambda: preview_build(draft=draft, now=now, start=start, end=END))
    finally:
        draft.category_weights.all().delete()
        draft.signal_weights.all().delete()
        draft.delete()


if __name__ == "__main__":
    main()
