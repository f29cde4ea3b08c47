"""The real daily path: a seeded book with history and playbooks, the next day's data, and the daily
run through real ``qcluster`` worker processes — scores, snapshots, change log, outbox, playbook tasks
and notifications included — timed with 1, 2 and 4 workers against one SQL pass over the same data.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hs_daily REDIS_URL=redis://127.0.0.1:6379/12 SECRET_KEY=x \\
        .venv/bin/python bench/daily.py [--accounts 10000] [--days 60] [--history-days 7] [--workers 1 2 4]
        [--chunk 500] [--drop 0.06]

Uses DATABASE_URL as given (create it first: ``createdb -h 127.0.0.1 -U postgres hs_daily``): it
migrates it and refuses to run when it holds accounts or users that are not bench ones ("bench-…").
With REDIS_URL the workers use the Redis broker (that Redis database is flushed before each run: give
the bench its own number), else the ORM broker.

The book is built once per day and size (PostgreSQL: COPY) and reused: 40 CSMs in 4 teams owning the
accounts, the standard signals and published model, red and yellow "entered tier" playbooks with two
steps each, ``--days`` of daily observations ending yesterday, ``--history-days`` of daily snapshots
built by ``recompute_scores --all --from --to`` (so the run reads real history), and today's data, in
which ``--drop`` of the accounts fall (so tiers change and tasks and alerts open). Before each timed run
the day's results are removed and yesterday's scores restored, so every run does the same work.

Each run: start one ``manage.py qcluster`` with Q_WORKERS=N, wait until it reports in, then start the
day's run (``scoring.tasks.recompute_all_enqueue``: a ledger of ``--chunk``-account chunks) and wait
until the run is finished and every notification it wrote is sent (the dummy e-mail backend). Prints
wall time, speedup over one worker, ratio to the SQL pass, what was written, and the workers' peak RSS.

The SQL pass: the engine's windowed aggregation shape (count, sum, newest per account and signal over
the model's 90-day window) in one query, with the product's own session settings (jit off,
work_mem 64 MB).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import logging
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
ROOT = _HERE.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "healthscore.settings")
os.environ.setdefault("STATIC_MANIFEST", "false")
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"  # alerts are "sent", nowhere

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

logging.getLogger("django-q").setLevel(logging.WARNING)  # not a line per enqueued chunk

TEAMS, CSMS = 4, 40
SAVED = "bench_daily_saved_scores"
META = "bench_daily_meta"


def _refuse_real_data() -> None:
    from django.contrib.auth import get_user_model

    from accounts.models import Account

    name = connection.settings_dict["NAME"]
    if Account.objects.exclude(external_id__startswith="bench-").exists():
        sys.exit(f"refusing: database {name!r} holds non-bench accounts")
    if get_user_model().objects.exclude(username__startswith="bench-").exists():
        sys.exit(f"refusing: database {name!r} holds non-bench users")


def _copy(table: str, columns: list[str], rows) -> int:
    n = 0
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        buf = io.StringIO()
        for n, row in enumerate(rows, 1):
            buf.write("\t".join("\\N" if v is None else (v.isoformat() if hasattr(v, "isoformat") else str(v))
                                for v in row) + "\n")
            if n % 200_000 == 0:
                copy.write(buf.getvalue())
                buf = io.StringIO()
                print(f"\r  observations: {n:,}", end="", flush=True)
        copy.write(buf.getvalue())
    print(f"\r  observations: {n:,}")
    return n


def _built_for(args, today: dt.date) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {META} (key text PRIMARY KEY, value text)")
        cursor.execute(f"SELECT value FROM {META} WHERE key = 'book'")
        row = cursor.fetchone()
    return bool(row) and row[0] == f"{today}|{args.accounts}|{args.days}|{args.history_days}|{args.drop}"


def _build(args, now: dt.datetime) -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from accounts.models import Account, Team
    from accounts.roles import Role
    from playbooks.models import Playbook, PlaybookStep
    from scoring.models import ScoreModelVersion, Segment, SignalDefinition
    from tests.factories import create_published_version, create_standard_signals

    today = timezone.localdate(now)
    if _built_for(args, today):
        print(f"reusing the book: {args.accounts:,} accounts, built today")
        return
    t0 = time.perf_counter()
    print(f"building the book: {args.accounts:,} accounts × {args.days} days, {args.history_days} days of history …")
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE accounts_account, scoring_observation, scoring_accountscore, scoring_scoresnapshot, "
                       "scoring_scorechange, playbooks_task, playbooks_notification CASCADE")
    signals = create_standard_signals()
    segment, _ = Segment.objects.get_or_create(slug="default", defaults={"name": "Default", "is_default": True})
    if not ScoreModelVersion.objects.filter(model__segment=segment, status="published").exists():
        create_published_version(segment, signals)
    User = get_user_model()
    csm_group, manager_group = Group.objects.get(name=Role.CSM.value), Group.objects.get(name=Role.MANAGER.value)
    teams = []
    for t in range(TEAMS):
        manager, _ = User.objects.get_or_create(username=f"bench-manager-{t}",
                                                defaults={"email": f"bench-manager-{t}@example.com"})
        manager.groups.add(manager_group)
        teams.append(Team.objects.get_or_create(name=f"bench-team-{t}", defaults={"manager": manager})[0])
    csms = []
    for i in range(CSMS):
        user, _ = User.objects.get_or_create(username=f"bench-csm-{i:02d}", defaults={"email": f"bench-csm-{i:02d}@example.com"})
        user.groups.add(csm_group)
        teams[i % TEAMS].members.add(user)
        csms.append(user)
    if not Playbook.objects.exists():
        for tier, severity in (("red", "high"), ("yellow", "medium")):
            pb = Playbook.objects.create(name=f"{tier.title()} playbook", trigger_kind="enter_tier", tier=tier,
                                         severity=severity)
            for order, title in enumerate(("Call the champion", "Send the recovery plan"), 1):
                PlaybookStep.objects.create(playbook=pb, order=order, title=title)
    rng = random.Random(2026)
    Account.objects.bulk_create([
        Account(name=f"Bench {i}", external_id=f"bench-{i:06d}", owner=csms[i % CSMS], team=teams[i % CSMS % TEAMS],
                manager=teams[i % CSMS % TEAMS].manager, segment=segment, arr=round(rng.lognormvariate(10.5, 1), 2),
                renewal_date=today + dt.timedelta(days=rng.randint(1, 400)))
        for i in range(args.accounts)
    ], batch_size=5000)
    ids = list(Account.objects.order_by("pk").values_list("pk", flat=True))
    defs = list(SignalDefinition.objects.filter(pk__in=[s.pk for s in signals.values()]))
    health = {a: rng.uniform(0.35, 1.0) for a in ids}
    drop = set(rng.sample(ids, int(len(ids) * args.drop)))

    def rows():
        for d in range(args.days, -1, -1):  # day 0 is today: the next day's data
            at = now - dt.timedelta(days=d, hours=1)
            for a in ids:
                h = health[a] - (0.5 if d == 0 and a in drop else 0.0)
                for s in defs:
                    v = s.bad_value + (s.good_value - s.bad_value) * min(1.0, max(0.0, h + rng.uniform(-0.08, 0.08)))
                    yield a, s.pk, round(v, 3), at, "bench", f"bench|{a}|{s.pk}|{d}", now

    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_recompute", _HERE / "recompute.py")
    recompute = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(recompute)
    with transaction.atomic(), connection.cursor() as cursor:
        restore = recompute._drop_observation_indexes(cursor)
        _copy("scoring_observation", ["account_id", "signal_id", "value", "observed_at", "source", "idempotency_key",
                                      "created_at"], rows())
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for statement in restore:
            cursor.execute(statement)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE scoring_observation")
    yesterday = today - dt.timedelta(days=1)
    first = yesterday - dt.timedelta(days=args.history_days - 1)
    print(f"  history {first} … {yesterday} (recompute_scores --all --from --to)")
    call_command("recompute_scores", "--all", "--from", first.isoformat(), "--to", yesterday.isoformat())
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SAVED}")
        cursor.execute(f"CREATE TABLE {SAVED} AS SELECT * FROM scoring_accountscore")
        for table in ("scoring_scoresnapshot", "scoring_scorechange", "scoring_accountscore"):
            cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute(f"INSERT INTO {META} VALUES ('book', %s) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                       [f"{today}|{args.accounts}|{args.days}|{args.history_days}|{args.drop}"])
        cursor.execute(f"INSERT INTO {META} VALUES ('built_at', %s) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                       [timezone.now().isoformat()])
    print(f"built in {time.perf_counter() - t0:.0f} s")


def _reset(today: dt.date) -> None:
    """Back to yesterday's state: no run, no snapshot, change, outbox row, task or alert of today."""
    from django_q.models import OrmQ
    from django_q.models import Task as QTask

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {META} WHERE key = 'built_at'")
        built_at = cursor.fetchone()[0]
        cursor.execute("DELETE FROM playbooks_notification WHERE created_at > %s", [built_at])
        cursor.execute("DELETE FROM playbooks_task WHERE created_at > %s", [built_at])
        for table in ("scoring_scoreoutbox",):
            cursor.execute(f"DELETE FROM {table} WHERE created_at > %s", [built_at])
        cursor.execute("DELETE FROM scoring_scoresnapshot WHERE date = %s", [today])
        cursor.execute("DELETE FROM scoring_scorechange WHERE date = %s", [today])
        cursor.execute("DELETE FROM scoring_dailychunk")
        cursor.execute("DELETE FROM scoring_dailyrun")
        cursor.execute("DELETE FROM scoring_accountscore")
        cursor.execute(f"INSERT INTO scoring_accountscore SELECT * FROM {SAVED}")
        cursor.execute("VACUUM ANALYZE scoring_accountscore")
    OrmQ.objects.all().delete()
    QTask.objects.all().delete()
    if settings.REDIS_URL:
        import redis

        redis.Redis.from_url(settings.REDIS_URL).flushdb()


def _sql_pass(now: dt.datetime) -> float:
    start = now - dt.timedelta(days=90)
    best = None
    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")
        cursor.execute("SET work_mem = '64MB'")
        for _ in range(3):
            t0 = time.perf_counter()
            cursor.execute("SELECT account_id, signal_id, COUNT(*), SUM(value), MAX(observed_at) "
                           "FROM scoring_observation WHERE observed_at >= %s GROUP BY account_id, signal_id", [start])
            assert cursor.fetchall()
            took = time.perf_counter() - t0
            best = took if best is None else min(best, took)
        cursor.execute("RESET jit")
        cursor.execute("RESET work_mem")
    return best


def _rss_kib(pgid: int) -> int:
    """The largest resident set among the cluster's processes right now."""
    biggest = 0
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) != pgid:  # field 5 (pgrp), after the name
                continue
            for line in (status.parent / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    biggest = max(biggest, int(line.split()[1]))
        except (OSError, ValueError, IndexError):
            continue
    return biggest


def _run(workers: int, chunk: int, today: dt.date) -> dict:
    from django_q.status import Stat

    from playbooks.models import Notification, Task
    from scoring.models import DailyRun, ScoreChange, ScoreSnapshot
    from scoring.tasks import recompute_all_enqueue

    _reset(today)
    env = {**os.environ, "Q_WORKERS": str(workers), "DAILY_CHUNK_SIZE": str(chunk), "Q_SYNC": "false"}
    log = open(f"/tmp/bench-daily-qcluster-{workers}.log", "w")  # noqa: SIM115
    cluster = subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not [s for s in Stat.get_all() if s.status in ("Idle", "Working")]:
            if time.monotonic() > deadline or cluster.poll() is not None:
                sys.exit(f"the cluster did not start: see {log.name}")
            time.sleep(0.2)
        connection.close()
        t0 = time.perf_counter()
        started = timezone.now()
        plan = recompute_all_enqueue(chunk_size=chunk)
        peak, finished_s = 0, None
        while True:
            peak = max(peak, _rss_kib(cluster.pid))
            run = DailyRun.objects.get(pk=plan["run"])
            if finished_s is None and run.finished_at is not None:
                finished_s = time.perf_counter() - t0
            if finished_s is not None and not Notification.objects.filter(created_at__gte=started,
                                                                          sent_at__isnull=True, error="").exists():
                break
            if time.perf_counter() - t0 > 3600:
                sys.exit("the run did not finish within an hour")
            time.sleep(0.1)
        total_s = time.perf_counter() - t0
    finally:
        os.killpg(cluster.pid, signal.SIGTERM)
        try:
            cluster.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(cluster.pid, signal.SIGKILL)
        log.close()
    return {
        "workers": workers, "chunks": plan["chunks"], "finished_s": finished_s, "total_s": total_s,
        "snapshots": ScoreSnapshot.objects.filter(date=today).count(),
        "changes": ScoreChange.objects.filter(date=today, tier_changed=True).count(),
        "tasks": Task.objects.filter(created_at__gte=started).count(),
        "alerts": Notification.objects.filter(created_at__gte=started, sent_at__isnull=False).count(),
        "missing": run.missing, "peak_rss_mib": peak / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=60, help="days of observations before today")
    parser.add_argument("--history-days", type=int, default=7, help="days of snapshots before today")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--chunk", type=int, default=settings.DAILY_CHUNK_SIZE, help="accounts per chunk")
    parser.add_argument("--drop", type=float, default=0.06, help="share of accounts whose data falls today")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/daily.py needs PostgreSQL (DATABASE_URL=postgres://…)")
    call_command("migrate", verbosity=0)
    _refuse_real_data()
    now = timezone.now()
    today = timezone.localdate(now)
    _build(args, now)
    sql = _sql_pass(now)
    broker = "Redis" if settings.REDIS_URL else "ORM"
    print(f"database: PostgreSQL ({connection.settings_dict['NAME']}), broker {broker}, cpus {os.cpu_count()}, "
          f"load {os.getloadavg()[0]:.2f}; chunk {args.chunk} accounts; one SQL pass {sql:.2f} s")
    print(f"{'workers':>7} {'chunks':>6} {'run':>8} {'+alerts':>8} {'speedup':>7} {'÷ pass':>7} {'snapshots':>9} "
          f"{'changes':>7} {'tasks':>6} {'alerts':>6} {'missing':>7} {'peak RSS':>9}")
    base = None
    for workers in args.workers:
        r = _run(workers, args.chunk, today)
        base = base or r["total_s"]
        print(f"{r['workers']:>7} {r['chunks']:>6} {r['finished_s']:7.1f}s {r['total_s']:7.1f}s "
              f"{base / r['total_s']:6.2f}× {r['total_s'] / sql:6.1f}× {r['snapshots']:>9,} {r['changes']:>7,} "
              f"{r['tasks']:>6,} {r['alerts']:>6,} {r['missing'] if r['missing'] is not None else '-':>7} "
              f"{r['peak_rss_mib']:7.0f}MiB", flush=True)


if __name__ == "__main__":
    main()
