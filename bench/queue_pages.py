"""Server time and query count of the CSM queue, the portfolio and the manager dashboard on a big book.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hs_queue SECRET_KEY=x .venv/bin/python bench/queue_pages.py
    [--accounts 100000] [--open 50000] [--csms 40] [--focus 1200] [--unassigned 2000] [--closed 100000]
    [--reps 30] [--slowest]

Uses DATABASE_URL as given (create it first: ``psql -h 127.0.0.1 -U postgres -c 'create database hs_queue'``);
it migrates it and refuses to run when it holds accounts or users that are not
bench ones ("bench-…"), so it never touches real data. The book is built once
(PostgreSQL: COPY; SQLite: executemany) and reused by later runs of the same size:
accounts with an AccountScore each (components per the shared contract), 40
CSMs in 4 teams (each team with its manager), ``--open`` open tasks — one CSM
(bench-csm-00) with a ``--focus``-task queue, a team unassigned queue, the rest
spread over the other CSMs — plus snoozed and ``--closed`` closed tasks. For the dashboard,
``--history-days`` of history: a snapshot per account every week and on every month end (what the
dashboard reads: month-end tiers, and each red intervention's tier 60 days after, which the weekly rows
always cover within the 7-day tolerance), and a week of change-log rows (1 % of accounts change tier a day).

Then each page is requested through django.test.Client (force_login, the whole
middleware stack, templates rendered): a few warm-ups, ``--reps`` timed runs
(median and p95 wall time in ms, and the median CPU time of this Python process,
which leaves out time spent waiting for the database or for a busy CPU), and one
run under CaptureQueriesContext for the query count and the time spent in SQL. Quality bar (DESIGN.md): ≤ 100 ms and ≤ 12 queries per page; the dashboard ≤ 200 ms (issue #17).
"""

from __future__ import annotations

import os
import sys

# This file shares its name with the standard library's ``queue`` (which Django
# imports): put the project root, not this folder, first on the path.
sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "healthscore.settings")
os.environ.setdefault("STATIC_MANIFEST", "false")  # pages render without collectstatic

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

TEAMS = 4
WORDS = ["Acme", "North", "Blue", "Iron", "Silver", "Nova", "Pine", "Delta", "Harbor", "Summit", "Quartz", "Orbit",
         "Cedar", "Falcon", "Lumen", "Vertex", "Atlas", "Ember", "Zephyr", "Granite"]
KINDS = ["Labs", "Corp", "Systems", "Health", "Logistics", "Foods", "Media", "Energy", "Bank", "Retail"]
SEARCH = "harbor"
PLAYBOOKS = [  # name, tier it serves, severity, step titles
    ("Red rescue", "red", "high", ["Call the champion", "Exec sponsor email", "Recovery plan review"]),
    ("Yellow check-in", "yellow", "medium", ["Check-in call", "Usage review"]),
    ("Renewal prep", "green", "medium", ["Renewal health review"]),
    ("Adoption nudge", "green", "low", ["Send adoption tips"]),
]


def _refuse_real_data() -> None:
    from django.contrib.auth import get_user_model

    from accounts.models import Account

    name = connection.settings_dict["NAME"]
    if Account.objects.exclude(external_id__startswith="bench-").exists():
        sys.exit(f"refusing: database {name!r} holds non-bench accounts")
    if get_user_model().objects.exclude(username__startswith="bench-").exists():
        sys.exit(f"refusing: database {name!r} holds non-bench users")


def _progress(label: str, done: int, total: int, t0: float) -> None:
    print(f"\r  {label}: {done:,}/{total:,}  {time.perf_counter() - t0:5.1f} s", end="", flush=True)


def _copy(table: str, columns: list[str], rows, total: int, label: str) -> None:
    """Write rows (tuples, None for NULL) with COPY on PostgreSQL, executemany elsewhere; a progress line."""
    t0 = time.perf_counter()
    batch_size = 20_000
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            def cell(v) -> str:
                if v is None:
                    return "\\N"
                text = v.isoformat() if hasattr(v, "isoformat") else str(v)
                return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")

            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                buf = io.StringIO()
                for i, row in enumerate(rows, 1):
                    buf.write("\t".join(cell(v) for v in row) + "\n")
                    if i % batch_size == 0:
                        copy.write(buf.getvalue())
                        buf = io.StringIO()
                        _progress(label, i, total, t0)
                copy.write(buf.getvalue())
        else:
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
            batch: list = []
            for i, row in enumerate(rows, 1):
                batch.append(row)
                if i % batch_size == 0:
                    cursor.executemany(sql, batch)
                    batch = []
                    _progress(label, i, total, t0)
            cursor.executemany(sql, batch)
    _progress(label, total, total, t0)
    print()


def _components(score: float, rng: random.Random) -> str:
    logins = round(rng.uniform(0, 12), 1)
    usage_sub = max(0.0, min(100.0, (score - 24) / 0.7))
    nps_lost = 6.0
    signals = [
        {"key": "weekly_logins", "label": "Logins per week", "category": "usage", "unit": "logins", "value": logins,
         "sub_score": round(usage_sub, 1), "weight_share": 0.7, "contribution": round(0.7 * usage_sub, 2),
         "points_lost": round(0.7 * (100 - usage_sub), 2), "newest_at": "2026-11-20T00:00:00+00:00",
         "status": "ok", "policy": "zero"},
        {"key": "nps", "label": "NPS response", "category": "relationship", "unit": "points", "value": 30.0,
         "sub_score": 80.0, "weight_share": 0.3, "contribution": 24.0, "points_lost": nps_lost,
         "newest_at": "2026-11-03T00:00:00+00:00", "status": "stale", "policy": "neutral"},
    ]
    signals.sort(key=lambda s: -s["points_lost"])
    reasons = [f"Logins per week low ({logins} logins): −{0.7 * (100 - usage_sub):.1f}", "NPS response stale: −6.0"]
    return json.dumps({"raw_score": score, "score": score, "signals": signals, "override": None, "top_reasons": reasons})


def _people():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from accounts.models import Team
    from accounts.roles import Role

    User = get_user_model()
    csm_group, manager_group = Group.objects.get(name=Role.CSM.value), Group.objects.get(name=Role.MANAGER.value)
    teams = []
    for t in range(TEAMS):
        manager, _ = User.objects.get_or_create(username=f"bench-manager-{t}", defaults={"first_name": f"Manager {t}"})
        manager.groups.add(manager_group)
        team, _ = Team.objects.get_or_create(name=f"bench-team-{t}", defaults={"manager": manager})
        teams.append(team)
    return User, csm_group, teams


def _build(args) -> None:
    from accounts.models import Account
    from playbooks.models import Playbook, PlaybookStep, Task
    from scoring.models import AccountScore, ScoreChange, ScoreModelVersion, ScoreSnapshot
    from tests.factories import standard_scoring_setup

    User, csm_group, teams = _people()
    csms = []
    for i in range(args.csms):
        user, _ = User.objects.get_or_create(username=f"bench-csm-{i:02d}",
                                             defaults={"first_name": f"CSM {i:02d}", "last_name": "Bench"})
        user.groups.add(csm_group)
        teams[i % TEAMS].members.add(user)
        csms.append(user)
    want_tasks = args.open + args.closed + args.snoozed
    if Account.objects.count() == args.accounts and Task.objects.count() == want_tasks:
        print(f"reusing the book: {args.accounts:,} accounts, {want_tasks:,} tasks")
        return
    print(f"building the book: {args.accounts:,} accounts, {args.open:,} open tasks, {args.closed:,} closed …")
    t0 = time.perf_counter()
    with transaction.atomic():
        for model in (Task, AccountScore, ScoreSnapshot, ScoreChange):
            model.objects.all()._raw_delete(model.objects.db)
        Account.objects.all()._raw_delete(Account.objects.db)
        Playbook.objects.all().delete()
    version = ScoreModelVersion.objects.filter(status="published").first() or standard_scoring_setup().version
    segment = version.model.segment
    rng = random.Random(2026)
    now = timezone.now()
    today = timezone.localdate(now)

    def accounts():
        for i in range(args.accounts):
            owner, team = csms[i % len(csms)], teams[i % len(csms) % TEAMS]
            status = "active" if rng.random() < 0.95 else rng.choice(["churned", "paused"])
            renewal = today + dt.timedelta(days=rng.randint(-30, 400))
            yield (f"{rng.choice(WORDS)} {rng.choice(KINDS)} {i}", f"bench-{i:06d}", round(rng.lognormvariate(10.5, 1), 2),
                   "annual", renewal, "adoption", status, now, now, owner.pk, segment.pk, team.pk,
                   team.manager_id)

    cols = ["name", "external_id", "arr", "contract_type", "renewal_date", "lifecycle_stage", "status", "created_at",
            "updated_at", "owner_id", "segment_id", "team_id", "manager_id"]
    _copy("accounts_account", cols, accounts(), args.accounts, "accounts")
    rows = list(Account.objects.order_by("pk").values_list("pk", "owner_id", "team_id"))

    tiers: dict[int, str] = {}

    def scores():
        for pk, _, _ in rows:
            score = round(min(100.0, max(0.0, rng.gauss(66, 18))), 1)
            tier = "green" if score >= 75 else "yellow" if score >= 50 else "red"
            tiers[pk] = tier
            trend = rng.choice(["improving", "stable", "stable", "gradual_decline", "rapid_decline"])
            yield (pk, score, tier, tier, today - dt.timedelta(days=rng.randint(0, 200)), "", trend,
                   round(rng.uniform(-10, 10), 1), round(rng.uniform(-20, 20), 1), round(rng.uniform(-30, 30), 1),
                   version.pk, now, _components(score, rng))

    cols = ["account_id", "score", "raw_tier", "tier", "tier_since", "pending_tier", "trend", "delta_7", "delta_30",
            "delta_90", "model_version_id", "computed_at", "components"]
    _copy("scoring_accountscore", cols, scores(), len(rows), "scores")

    steps: dict[str, list] = {}
    for name, tier, severity, titles in PLAYBOOKS:
        pb = Playbook.objects.create(name=name, trigger_kind="enter_tier", tier=tier, severity=severity)
        for order, title in enumerate(titles, 1):
            steps.setdefault(tier, []).append((pb, PlaybookStep.objects.create(playbook=pb, order=order, title=title)))

    by_owner: dict[int, list[tuple[int, int]]] = {}
    for pk, owner_id, team_id in rows:
        by_owner.setdefault(owner_id, []).append((pk, team_id))
    rest = args.open - args.focus - args.unassigned
    quota = {c.pk: rest // (len(csms) - 1) + (1 if i <= rest % (len(csms) - 1) else 0) for i, c in enumerate(csms) if i}
    quota[csms[0].pk] = args.focus
    unassigned = {c.pk: args.unassigned // len(csms) + (1 if i < args.unassigned % len(csms) else 0)
                  for i, c in enumerate(csms)}
    snoozed = {c.pk: args.snoozed // len(csms) for c in csms}

    def task(pk: int, team_id: int, assignee_id, status: str, days: float, snoozed_until=None):
        pb, step = rng.choice(steps[tiers[pk]])
        closed = now - dt.timedelta(days=rng.uniform(1, 300)) if status in ("done", "dismissed") else None
        return (pk, pb.pk, step.pk, team_id, assignee_id, step.title, status, pb.severity, 0.0,
                now + dt.timedelta(days=days), snoozed_until, "", "", tiers[pk], now, now, closed, "[]")

    def tasks():
        for owner_id, owned in by_owner.items():
            picked = rng.sample(owned, quota[owner_id] + unassigned[owner_id] + snoozed[owner_id])
            for n, (pk, team_id) in enumerate(picked):
                if n < quota[owner_id]:
                    yield task(pk, team_id, owner_id, "open", rng.uniform(-20, 30))
                elif n < quota[owner_id] + unassigned[owner_id]:
                    yield task(pk, team_id, None, "open", rng.uniform(-10, 20))
                else:
                    until = now + dt.timedelta(days=rng.uniform(-3, 10))
                    yield task(pk, team_id, owner_id, "snoozed", rng.uniform(-5, 15), until)
        for _ in range(args.closed):
            pk, owner_id, team_id = rng.choice(rows)
            yield task(pk, team_id, owner_id, rng.choice(["done", "done", "done", "dismissed"]), -rng.uniform(1, 300))

    cols = ["account_id", "playbook_id", "step_id", "team_id", "assignee_id", "title", "status", "severity", "priority",
            "due_at", "snoozed_until", "outcome_note", "dismiss_reason", "opened_in_tier", "created_at", "updated_at",
            "closed_at", "checklist_done"]
    _copy("playbooks_task", cols, tasks(), want_tasks, "tasks")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("accounts_account", "scoring_accountscore", "playbooks_task"):
                cursor.execute(f"VACUUM ANALYZE {table}")
    print(f"built in {time.perf_counter() - t0:.0f} s")


def _build_history(args) -> None:
    """Weekly + month-end snapshots for every account and a week of tier changes (see the module's doc)."""
    from accounts.models import Account
    from playbooks.dashboard import _month_ends
    from scoring.models import AccountScore, ScoreChange, ScoreSnapshot

    today = timezone.localdate()
    dates = sorted({today - dt.timedelta(days=d) for d in range(0, args.history_days + 1, 7)}
                   | {d for d in _month_ends(today, 14) if d >= today - dt.timedelta(days=args.history_days)})
    scored = list(AccountScore.objects.order_by("account_id").values_list("account_id", "tier", "model_version_id"))
    want = len(scored) * len(dates)
    if ScoreSnapshot.objects.count() == want and ScoreSnapshot.objects.filter(date=dates[-1]).exists():
        print(f"reusing the history: {want:,} snapshots")
        return
    print(f"building the history: {len(dates)} days × {len(scored):,} accounts = {want:,} snapshots …")
    t0 = time.perf_counter()
    with transaction.atomic():
        for model in (ScoreSnapshot, ScoreChange):
            model.objects.all()._raw_delete(model.objects.db)
    rng = random.Random(17)
    tiers = ["green", "yellow", "red"]

    def snapshots():
        for account_id, tier, version_id in scored:
            # A walk that ends on today's tier: most weeks keep the tier, some move one step.
            walk = tier
            for date in reversed(dates):
                score = {"green": 82.0, "yellow": 62.0, "red": 38.0}[walk] + rng.uniform(-6, 6)
                yield (account_id, date, round(score, 1), walk, walk, version_id, "{}", False)
                if rng.random() < 0.08:
                    walk = tiers[max(0, min(2, tiers.index(walk) + rng.choice((-1, 1))))]

    cols = ["account_id", "date", "score", "raw_tier", "tier", "model_version_id", "components", "override_active"]
    _copy("scoring_scoresnapshot", cols, snapshots(), want, "snapshots")
    now = timezone.now()

    def changes():
        for day in range(7):
            for account_id, tier, version_id in rng.sample(scored, len(scored) // 100):
                before = rng.choice([t for t in tiers if t != tier])
                yield (account_id, today - dt.timedelta(days=day), now, 70.0, 45.0, before, tier, True, "data",
                       version_id, "[]", f"{before} → {tier}")

    cols = ["account_id", "date", "created_at", "from_score", "to_score", "from_tier", "to_tier", "tier_changed",
            "cause", "model_version_id", "signal_deltas", "summary"]
    _copy("scoring_scorechange", cols, changes(), 7 * (len(scored) // 100), "change log")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("scoring_scoresnapshot", "scoring_scorechange"):
                cursor.execute(f"VACUUM ANALYZE {table}")
    print(f"built in {time.perf_counter() - t0:.0f} s ({Account.objects.count():,} accounts)")


def _pages() -> list[tuple[str, str, str, dict, dict]]:
    """(label, persona, url, params, headers) for every page measured."""
    from django.contrib.auth import get_user_model

    focus = get_user_model().objects.get(username="bench-csm-00")
    hx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "queue-results"}
    hx_p = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "portfolio-results"}
    return [
        ("queue: full page (CSM)", "csm", "/queue/", {}, {}),
        ("queue: htmx partial", "csm", "/queue/", {}, hx),
        ("queue: htmx tier=red", "csm", "/queue/", {"tier": "red"}, hx),
        ("queue: htmx due=overdue", "csm", "/queue/", {"due": "overdue"}, hx),
        (f"queue: htmx q={SEARCH}", "csm", "/queue/", {"q": SEARCH}, hx),
        ("queue: page 10 (CSM)", "csm", "/queue/", {"page": "10"}, hx),
        ("queue: manager → CSM's queue", "manager", "/queue/", {"who": str(focus.pk)}, {}),
        ("queue: manager → unassigned", "manager", "/queue/", {"who": "unassigned"}, {}),
        ("queue: nav counters (manager)", "manager", "/queue/counters/", {}, hx),
        ("portfolio: manager", "manager", "/accounts/", {}, {}),
        ("portfolio: manager red -arr", "manager", "/accounts/", {"tier": "red", "sort": "-arr"}, {}),
        ("portfolio: manager htmx q", "manager", "/accounts/", {"q": SEARCH}, hx_p),
        ("portfolio: manager page 1500", "manager", "/accounts/", {"page": "1500"}, hx_p),
        ("portfolio: CSM", "csm", "/accounts/", {}, {}),
        ("portfolio: CSM red -arr", "csm", "/accounts/", {"tier": "red", "sort": "-arr"}, {}),
        ("dashboard: manager (all accounts)", "manager", "/dashboard/", {}, {}),
    ]


def _measure(reps: int, slowest: bool, only: str) -> None:
    from django.contrib.auth import get_user_model

    User = get_user_model()
    clients = {}
    for persona, username in (("csm", "bench-csm-00"), ("manager", "bench-manager-0")):
        clients[persona] = Client()
        clients[persona].force_login(User.objects.get(username=username))
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']}), cpus {os.cpu_count()}, "
          f"load {os.getloadavg()[0]:.2f}, {reps} runs each")
    print(f"{'page':34} {'median':>8} {'p95':>8} {'py cpu':>8} {'db':>8} {'qs':>4} {'rows':>5}  verdict")
    for label, persona, url, params, headers in _pages():
        if only not in label:
            continue
        client = clients[persona]
        for _ in range(3):
            response = client.get(url, params, **headers)
            assert response.status_code == 200, (label, response.status_code)
        times, cpu = [], []
        for _ in range(reps):
            t0, c0 = time.perf_counter(), time.process_time()
            client.get(url, params, **headers)
            times.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, params, **headers)
        html = response.content.decode()
        rows = html.count('role="listitem"') + html.count("<tr class=")
        times.sort()
        median, p95 = statistics.median(times), times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
        db = sum(float(q["time"]) for q in ctx.captured_queries) * 1000
        bar = 200 if label.startswith("dashboard") else 100
        ok = median <= bar and p95 <= bar and len(ctx.captured_queries) <= 12
        print(f"{label:34} {median:6.1f}ms {p95:6.1f}ms {statistics.median(cpu):6.1f}ms {db:6.1f}ms "
              f"{len(ctx.captured_queries):4} {rows:5}  {'ok' if ok else 'MISS'}")
        if slowest:
            for q in sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))[:3]:
                print(f"      {float(q['time']) * 1000:7.1f} ms  {q['sql'][:300]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--open", type=int, default=50_000, help="open tasks in all")
    parser.add_argument("--csms", type=int, default=40)
    parser.add_argument("--focus", type=int, default=1_200, help="open tasks in bench-csm-00's queue")
    parser.add_argument("--unassigned", type=int, default=2_000, help="open unassigned tasks (all teams)")
    parser.add_argument("--snoozed", type=int, default=2_000)
    parser.add_argument("--closed", type=int, default=100_000, help="done and dismissed tasks (history)")
    parser.add_argument("--history-days", type=int, default=425, help="days of snapshots (weekly + month ends)")
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--slowest", action="store_true", help="print the three slowest queries of each page")
    parser.add_argument("--only", default="", help="measure only the pages whose label contains this")
    args = parser.parse_args()

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.SECURE_SSL_REDIRECT = False  # the test client speaks plain HTTP (DEBUG off is secure by default)
    call_command("migrate", verbosity=0)
    _refuse_real_data()
    _build(args)
    _build_history(args)
    _measure(args.reps, args.slowest, args.only)


if __name__ == "__main__":
    main()
