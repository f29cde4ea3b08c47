from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from playbooks.dashboard import dashboard_data
from scoring.models import ScoreChange, ScoreSnapshot
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"
# One frozen instant: the world puts snapshots 12 and 21 days back and on last month's end, which
# collide on the 12th and the 21st of a month when built from the real date.
NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(alice, bob, team, make_score, make_task, scoring_setup):
    now = timezone.now()
    today = timezone.localdate(now)
    v = scoring_setup.version

    def acct(name, score, arr, renew_in, owner=alice):
        account = AccountFactory(name=name, owner=owner, team=team, arr=arr, renewal_date=today + dt.timedelta(days=renew_in))
        make_score(account, score)
        return account

    a = acct("A", 30, 100000, 10)
    b = acct("B", 60, 50000, 45)
    c = acct("C", 90, 200000, 80, owner=bob)
    d = acct("D", 40, 20000, 200)
    last_month_end = today.replace(day=1) - dt.timedelta(days=1)
    for account in (a, b):
        ScoreSnapshot.objects.create(account=account, date=last_month_end, score=60, raw_tier="yellow", tier="yellow", model_version=v)
    ScoreChange.objects.create(account=a, date=today - dt.timedelta(days=2), from_score=55, to_score=30, from_tier="yellow",
                               to_tier="red", tier_changed=True, model_version=v, summary="−25: logins −25")
    ScoreChange.objects.create(account=c, date=today - dt.timedelta(days=10), from_score=70, to_score=80, from_tier="yellow",
                               to_tier="green", tier_changed=True, model_version=v, summary="old news")
    # Tasks: alice has 2 live (1 overdue), bob 1, the team queue 1.
    make_task(a, assignee=alice, due_in_hours=-4)
    make_task(b, assignee=alice, due_in_hours=20)
    make_task(c, assignee=bob, due_in_hours=20)
    make_task(d, assignee=None, due_in_hours=20)
    # Interventions on red accounts (stayed = not churned, not red 60 days after completion): A was
    # yellow on day 60 (its latest snapshot by then, 2 days earlier), D still red, B's 60 days are running.
    make_task(a, assignee=alice, step_order=2, status="done", opened_in_tier="red", closed_at=now - dt.timedelta(days=70))
    ScoreSnapshot.objects.create(account=a, date=today - dt.timedelta(days=12), score=55, raw_tier="yellow", tier="yellow", model_version=v)
    make_task(d, assignee=alice, step_order=2, status="done", opened_in_tier="red", closed_at=now - dt.timedelta(days=80))
    ScoreSnapshot.objects.create(account=d, date=today - dt.timedelta(days=21), score=30, raw_tier="red", tier="red", model_version=v)
    # B's intervention closed just now, after every snapshot: whatever the date (even on a month's first
    # day, when last month's end is yesterday), its 60 days are still running.
    make_task(b, assignee=alice, step_order=2, status="done", opened_in_tier="red", closed_at=now)
    return {"a": a, "c": c, "d": d}


def test_it_computes_tier_shares_now_and_last_month(manager, world):
    data = dashboard_data(user=manager, now=timezone.now())
    now = {cell["tier"]: cell for cell in data["current"]["tiers"]}
    assert (now["red"]["count"], now["yellow"]["count"], now["green"]["count"]) == (2, 1, 1)
    assert now["red"]["share"] == 0.5 and now["red"]["arr"] == Decimal("120000")
    assert now["red"]["arr_share"] == pytest.approx(120000 / 370000)
    last = {cell["tier"]: cell for cell in data["distribution"][-2]["tiers"]}
    assert last["yellow"]["share"] == 1.0 and last["yellow"]["arr"] == Decimal("150000")
    assert [p["total"] for p in data["distribution"][:-2]] == [0, 0, 0, 0, 0]


def test_it_sums_arr_at_risk_by_renewal_window_and_tier(manager, world):
    risk = dashboard_data(user=manager, now=timezone.now())["risk"]
    table = [{c["tier"]: c["arr"] for c in row["cells"]} | {"at_risk": row["at_risk"]} for row in risk]
    assert table == [
        {"red": Decimal("100000"), "yellow": 0, "green": 0, "at_risk": Decimal("100000")},
        {"red": 0, "yellow": Decimal("50000"), "green": 0, "at_risk": Decimal("50000")},
        {"red": 0, "yellow": 0, "green": Decimal("200000"), "at_risk": 0},
    ]


def test_it_counts_workload_per_assignee(manager, world, alice, bob):
    workload = {row["name"]: (row["open"], row["overdue"]) for row in dashboard_data(user=manager, now=timezone.now())["workload"]}
    assert workload == {"alice": (2, 1), "bob": (1, 0), "Unassigned (team queues)": (1, 0)}


def test_it_lists_this_weeks_tier_changes_only(manager, world):
    changes = dashboard_data(user=manager, now=timezone.now())["tier_changes"]
    assert [c.summary for c in changes] == ["−25: logins −25"]


def test_it_measures_the_share_of_intervened_red_accounts_that_stayed(manager, world):
    assert dashboard_data(user=manager, now=timezone.now())["outcome"] == {
        "treated": 2, "recovered": 1, "stayed": 1, "pending": 1, "no_evidence": 0, "share": 0.5,
    }


def test_a_churn_within_60_days_of_the_intervention_is_not_a_stay(manager, world):
    from accounts.models import Outcome

    Outcome.objects.create(account=world["a"], kind="churned", date=timezone.localdate() - dt.timedelta(days=30))
    outcome = dashboard_data(user=manager, now=timezone.now())["outcome"]
    assert (outcome["stayed"], outcome["treated"]) == (0, 2)


def test_it_renders_the_page_with_svg_bars(client, manager, world):
    client.force_login(manager)
    response = client.get(reverse("playbooks:dashboard"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "−25: logins −25" in html and "old news" not in html
    assert "1 of 2 intervened red accounts stayed (60 d)" in html
    start = html.index('<svg class="chart bars"')
    svg = ET.fromstring(html[start:html.index("</svg>", start) + 6])
    shares = [float(r.get("data-share")) for r in svg.findall(f"{SVG}rect") if r.get("class") == "bar bar-red"]
    assert shares == [0.5]  # only "Now" has red accounts; last month was all yellow


@pytest.mark.parametrize("who", ["alice", "support", "nobody"])
def test_it_is_for_managers_only(client, personas, who):
    client.force_login(personas[who])
    assert client.get(reverse("playbooks:dashboard")).status_code == 403


def test_it_opens_for_ops(client, ops, world):
    client.force_login(ops)
    assert client.get(reverse("playbooks:dashboard")).status_code == 200


def _last_month(data) -> dict:
    return {cell["tier"]: cell["count"] for cell in data["distribution"][-2]["tiers"]}


def test_month_ends_are_read_once_then_kept_and_forgotten_when_history_is_rewritten(manager, world, scoring_setup):
    """Issue #17: a past month end's tier counts are aggregated from its snapshots once (BookTierDay),
    not on every view, and a rewrite of that day (a backfill through scores_write) drops the stored day."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from scoring.engine import AccountResult
    from scoring.models import BookTierDay
    from scoring.writes import scores_write, snapshot_of

    now = timezone.now()
    last_month_end = timezone.localdate(now).replace(day=1) - dt.timedelta(days=1)
    assert _last_month(dashboard_data(user=manager, now=now)) == {"green": 0, "yellow": 2, "red": 0}
    assert list(BookTierDay.objects.values_list("date", "tier", "accounts")) == [(last_month_end, "yellow", 2)]
    with CaptureQueriesContext(connection) as ctx:
        dashboard_data(user=manager, now=now)
    # Only the month ends with no snapshots at all (before this book began) are looked up again.
    reads = [q["sql"] for q in ctx.captured_queries if "scoring_scoresnapshot" in q["sql"] and "SUM" in q["sql"]]
    assert reads and not [sql for sql in reads if last_month_end.isoformat() in sql]

    # Rewrite A's snapshot of that day as red (what a backfill does) — the next view counts again.
    a = world["a"]
    result = AccountResult(score=20.0, raw_score=20.0, raw_tier="red", tier="red", tier_since=last_month_end,
                           pending_tier="", pending_since=None, trend="stable", delta_7=None, delta_30=None,
                           delta_90=None, components={}, model_version_id=scoring_setup.version.pk)
    scores_write(results={a.pk: result}, changes=[], now=now, snapshots=[snapshot_of(a.pk, last_month_end, result)])
    assert not BookTierDay.objects.exists()
    assert _last_month(dashboard_data(user=manager, now=now)) == {"green": 0, "yellow": 1, "red": 1}


def _day60_probes(queries) -> list[str]:
    """The statements that look an account's tier up in the snapshots (``scoring.rollups._tiers_looked_up``)."""
    return [q["sql"] for q in queries if q["sql"].startswith("WITH p (account_id, lo, hi)")]


def test_day_60_tiers_are_looked_up_once_then_kept_and_forgotten_when_history_is_rewritten(manager, world,
                                                                                       scoring_setup):
    """Issue #17: each red intervention's tier 60 days on is probed in the snapshots once (AccountTierDay), not
    ~10,000 times per view at 100,000 accounts; a rewrite of a snapshot it read back to, or a churn removing
    snapshots, drops the stored day, so the share is never stale."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.lifecycle import account_lifecycle_sync
    from accounts.models import Outcome
    from scoring.engine import AccountResult
    from scoring.models import AccountTierDay
    from scoring.writes import scores_write, snapshot_of

    now = timezone.now()
    today = timezone.localdate(now)
    a, d = world["a"], world["d"]
    with CaptureQueriesContext(connection) as first:
        assert dashboard_data(user=manager, now=now)["outcome"]["stayed"] == 1
    assert len(_day60_probes(first.captured_queries)) == 1
    # A's day 60 was ten days ago (read back to its snapshot of 12 days ago), D's twenty; B's is still running.
    assert set(AccountTierDay.objects.values_list("account_id", "date", "tier")) == {
        (a.pk, today - dt.timedelta(days=10), "yellow"), (d.pk, today - dt.timedelta(days=20), "red")}
    with CaptureQueriesContext(connection) as again:
        assert dashboard_data(user=manager, now=now)["outcome"]["stayed"] == 1
    assert _day60_probes(again.captured_queries) == []

    # Rewrite A's snapshot of 12 days ago as red (what a backfill does): A's stored day 60 goes, D's stays.
    result = AccountResult(score=20.0, raw_score=20.0, raw_tier="red", tier="red", tier_since=today,
                           pending_tier="", pending_since=None, trend="stable", delta_7=None, delta_30=None,
                           delta_90=None, components={}, model_version_id=scoring_setup.version.pk)
    day = today - dt.timedelta(days=12)
    scores_write(results={a.pk: result}, changes=[], now=now, snapshots=[snapshot_of(a.pk, day, result)])
    assert list(AccountTierDay.objects.values_list("account_id", flat=True)) == [d.pk]
    outcome = dashboard_data(user=manager, now=now)["outcome"]
    assert (outcome["stayed"], outcome["treated"]) == (0, 2)

    # D churns 25 days ago: its snapshots after that go, and with them its stored day 60 (now no snapshot).
    Outcome.objects.create(account=d, kind="churned", date=today - dt.timedelta(days=25))
    account_lifecycle_sync(account_ids=[d.pk], now=now, recompute=False)
    assert not AccountTierDay.objects.filter(account=d).exists()
    assert dashboard_data(user=manager, now=now)["outcome"]["treated"] == 2  # A red, D lost to its churn


def test_a_rebuild_of_a_past_range_forgets_its_last_day_too(manager, world, scoring_setup):
    """A rebuild ending on a past day writes as of that day's end; the stored counts of that day still go."""
    from scoring.backfill import day_end
    from scoring.engine import AccountResult
    from scoring.models import BookTierDay
    from scoring.writes import scores_write, snapshot_of

    now = timezone.now()
    last_month_end = timezone.localdate(now).replace(day=1) - dt.timedelta(days=1)
    assert _last_month(dashboard_data(user=manager, now=now)) == {"green": 0, "yellow": 2, "red": 0}
    a = world["a"]
    result = AccountResult(score=20.0, raw_score=20.0, raw_tier="red", tier="red", tier_since=last_month_end,
                           pending_tier="", pending_since=None, trend="stable", delta_7=None, delta_30=None,
                           delta_90=None, components={}, model_version_id=scoring_setup.version.pk)
    scores_write(results={}, changes=[], now=day_end(last_month_end, now),
                 snapshots=[snapshot_of(a.pk, last_month_end, result)])
    assert not BookTierDay.objects.exists()
    assert _last_month(dashboard_data(user=manager, now=now)) == {"green": 0, "yellow": 1, "red": 1}


def test_an_intervention_counts_from_its_local_closing_day(settings, manager, alice, team, make_score, make_task,
                                                           scoring_setup):
    """Closed at 02:00 UTC on 17 April is 16 April in New York: day 60 is 15 June there (reached on
    the frozen 15 June, evidence from the snapshot of that day), 16 June in UTC (still running)."""
    settings.TIME_ZONE = "America/New_York"
    with timezone.override("America/New_York"):
        account = AccountFactory(name="E", owner=alice, team=team, arr=1000, renewal_date=dt.date(2027, 1, 1))
        make_score(account, 80)
        make_task(account, assignee=alice, step_order=2, status="done", opened_in_tier="red",
                  closed_at=dt.datetime(2026, 4, 17, 2, 0, tzinfo=dt.UTC))
        ScoreSnapshot.objects.create(account=account, date=dt.date(2026, 6, 15) - dt.timedelta(days=1), score=80,
                                     raw_tier="green", tier="green", model_version=scoring_setup.version)
        outcome = dashboard_data(user=manager, now=dt.datetime(2026, 6, 15, 23, 0, tzinfo=dt.UTC))["outcome"]
    assert (outcome["treated"], outcome["stayed"], outcome["pending"]) == (1, 1, 0)
