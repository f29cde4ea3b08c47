"""Done means (#14): a book of 200 accounts × 365 days ending a year ago, with churns, in CRM-style columns,
loaded only through the documented commands, its history built for its dates, exported and backtested — the
backtest's figures equal to an independent computation from the exported snapshots and the outcomes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random

import pytest
import time_machine
from django.core.management import call_command

from accounts.models import Account
from playbooks.models import Notification, Playbook, PlaybookStep, Task
from scoring.models import Segment
from scoring.validation_preview import preview_build
from scoring.versions import version_clone_as_draft

NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)
END = dt.date(2025, 6, 15)                    # the book ended a year ago
START = END - dt.timedelta(days=364)          # 365 days
DAY = dt.timedelta(days=1)
ACCOUNTS = 200


def _book(seed: int = 14):
    """Plain data: per account its daily logins and its outcome (kind, date) or None."""
    rng = random.Random(seed)
    book = []
    for i in range(ACCOUNTS):
        kind = "churner" if i < 50 else "renewer" if i < 120 else "scare" if i < 140 else "steady"
        outcome, logins = None, {}
        if kind == "churner":
            churn = START + dt.timedelta(days=rng.randint(120, 355))
            drop = rng.randint(30, 110)  # days of decline before the churn
            for d in range((churn - START).days + 1):
                left = (churn - START).days - d
                logins[d] = 28.0 if left > drop else max(1.0, 28.0 * left / drop)
            outcome = ("closedlost", churn)
        elif kind == "renewer":
            renewal = START + dt.timedelta(days=rng.randint(120, 364))
            for d in range(365):
                logins[d] = rng.choice([26.0, 28.0, 30.0, 18.0])
            outcome = ("closedwon", renewal)
        elif kind == "scare":  # a red spell, then back; renews
            low = rng.randint(20, 250)
            for d in range(365):
                logins[d] = 2.0 if low <= d < low + 45 else 27.0
            outcome = ("closedwon", START + dt.timedelta(days=min(364, low + rng.randint(60, 110))))
        else:
            level = float(rng.choice([5, 13, 19, 25]))
            logins = {d: level for d in range(365)}
        book.append({"id": f"crm-{i:04d}", "kind": kind, "outcome": outcome, "logins": logins})
    return book


def _write_csvs(tmp_path, book):
    accounts = tmp_path / "companies.csv"
    with accounts.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Record ID", "Company name", "Website URL", "Company owner", "Segment", "Lifecycle Stage",
                    "Contract start date", "Annual Recurring Revenue", "Number of Employees"])
        for a in book:
            w.writerow([a["id"], f"Company {a['id']}", f"https://www.{a['id']}.example.com/", "alice@example.com",
                        "SMB", "customer", (START - 200 * DAY).isoformat(), "$24,000", 50])
    deals = tmp_path / "deals.csv"
    with deals.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Associated Company ID", "Deal Stage", "Close Date", "Amount"])
        for a in book:
            if a["outcome"]:
                w.writerow([a["id"], a["outcome"][0], a["outcome"][1].isoformat(), 0])
    events = tmp_path / "product_events.csv"
    with events.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["account_external_id", "signal_key", "value", "timestamp"])
        for a in book:
            for d, value in a["logins"].items():
                w.writerow([a["id"], "weekly_logins", value, f"{(START + d * DAY).isoformat()}T09:00:00Z"])
    return accounts, deals, events


def _cmd(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def _expected(rows: dict[str, dict[dt.date, str]], book) -> dict:
    """The backtest's figures, computed here from the export and the book's outcomes."""
    churns = {a["id"]: a["outcome"][1] for a in book if a["outcome"] and a["outcome"][0] == "closedlost"}
    outcomes = [(a["id"], "churned" if a["outcome"][0] == "closedlost" else "renewed", a["outcome"][1])
                for a in book if a["outcome"]]
    recall = {}
    for n in (90, 60, 30, 14):
        tiers = [rows[ext].get(c - n * DAY) for ext, c in churns.items()]
        tiers = [t for t in tiers if t is not None]
        recall[str(n)] = (sum(t == "red" for t in tiers), len(tiers))
    precision = {}
    for h in (90, 180):
        last = END - h * DAY
        hits = total = 0
        for ext, days in rows.items():
            red = [d for d, t in days.items() if START <= d <= last and t == "red"]
            if not red:
                continue
            total += 1
            hits += ext in churns and any(0 <= (churns[ext] - d).days <= h for d in red)
        precision[str(h)] = (hits, total)
    by_tier = {}
    for tier in ("green", "yellow", "red"):
        kinds = [k for ext, k, d in outcomes if rows[ext].get(d - 90 * DAY) == tier]
        by_tier[tier] = (sum(k != "churned" for k in kinds), len(kinds))
    return {"outcomes": {"churned": len(churns), "renewed": len(outcomes) - len(churns)}, "recall": recall,
            "precision": precision, "renewal_by_tier": by_tier}


@pytest.mark.django_db
def test_a_past_book_replays_through_the_documented_commands(tmp_path, scoring_setup, alice, team):
    Segment.objects.create(name="SMB", slug="smb")
    # The book's logins run 1–30 a week: score them on that wide scale (the standard one saturates at 3).
    logins = scoring_setup.signals["weekly_logins"]
    logins.bad_value, logins.good_value = 1, 25
    logins.save()
    red = Playbook.objects.create(name="Red", trigger_kind="enter_tier", tier="red", severity="high")
    PlaybookStep.objects.create(playbook=red, order=1, title="Call", due_offset_hours=24)
    book = _book()
    accounts, deals, events = _write_csvs(tmp_path, book)
    export = tmp_path / "snapshots.csv"
    with time_machine.travel(NOW, tick=False):
        assert "200 created" in _cmd("import_csv", "accounts", str(accounts), "--preset", "hubspot", "--historical")
        out = _cmd("import_csv", "observations", str(events), "--historical")
        n_obs = sum(len(a["logins"]) for a in book)
        assert f"Imported {n_obs} observations row(s) (historical: not rescored): {n_obs} created" in out
        assert "140 created" in _cmd("import_csv", "outcomes", str(deals), "--preset", "hubspot", "--historical")
        out = _cmd("recompute_scores", "--all", "--from", START.isoformat(), "--to", END.isoformat())
        assert f"for {ACCOUNTS} account(s), {START} to {END}" in out
        _cmd("export_snapshots", "--from", START.isoformat(), "--to", END.isoformat(), str(export))
        report = json.loads(_cmd("backtest", "--start", START.isoformat(), "--end", END.isoformat(), "--json"))
        # The preview of a draft backtests the chosen period too (not the last 365 days).
        draft = version_clone_as_draft(version=scoring_setup.version, actor=alice)
        preview = preview_build(draft=draft, now=NOW, start=START, end=END)["backtest"]

    # Loaded as it was: churners ended on their churn date, nothing opened or sent.
    churned = {a["id"]: a["outcome"][1] for a in book if a["kind"] == "churner"}
    assert dict(Account.objects.filter(status="churned").values_list("external_id", "churned_on")) == churned
    assert not Task.objects.exists() and not Notification.objects.exists()

    rows: dict[str, dict[dt.date, str]] = {a["id"]: {} for a in book}
    scores: dict[str, dict[dt.date, float]] = {a["id"]: {} for a in book}
    with export.open() as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == ["account_external_id", "date", "score", "tier"]
        for r in reader:
            day = dt.date.fromisoformat(r["date"])
            rows[r["account_external_id"]][day] = r["tier"]
            scores[r["account_external_id"]][day] = float(r["score"])
    # One snapshot per account per day; a churned account's history stops on its churn date and is kept.
    for a in book:
        last = churned.get(a["id"], END)
        assert sorted(rows[a["id"]]) == [START + k * DAY for k in range((last - START).days + 1)], a["id"]
    # Scores by hand for the steady accounts: logins L a day (mean L/week) → sub-score (L − 1)/24 · 100 (capped);
    # usage (40) carries it, support, relationship and commercial (40) score neutral 50: score = sub/2 + 25.
    for a in book:
        if a["kind"] == "steady":
            level = a["logins"][0]
            expected = round(min(100.0, (level - 1) / 24 * 100) / 2 + 25, 2)
            assert set(scores[a["id"]].values()) == {expected}, a["id"]

    want = _expected(rows, book)
    assert report["period"] == {"start": START.isoformat(), "end": END.isoformat(), "as_of": END.isoformat()}
    assert report["outcomes"] == want["outcomes"] == {"churned": 50, "renewed": 90}
    for n, (num, den) in want["recall"].items():
        assert (report["recall"][n]["red"]["numerator"], report["recall"][n]["red"]["denominator"]) == (num, den), n
    for h, (num, den) in want["precision"].items():
        got = report["precision"][h]["all"]
        assert (got["numerator"], got["denominator"]) == (num, den), h
    for tier, (num, den) in want["renewal_by_tier"].items():
        got = report["renewal_by_tier"][tier]["figure"]
        assert (got["numerator"], got["denominator"]) == (num, den), tier
    # The suggestion and the preview honour the period and its as-of date: every churn of the book counts.
    assert report["suggested_weights"][0]["churned_cases"] == 50
    for side in ("published", "draft"):
        assert preview[side]["outcomes"] == {"churned": 50, "renewed": 90}
        assert preview[side]["recall"][90]["red"].numerator == want["recall"]["90"][0]
    # The score warned: most churners were red 30 days out, and some red accounts renewed (the scares).
    assert want["recall"]["14"][0] > want["recall"]["90"][0] and want["precision"]["90"][0] < want["precision"]["90"][1]
