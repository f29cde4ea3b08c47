"""History for a chosen date range: one snapshot per account per day, no tasks or alerts, never silently replaced."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command

from playbooks.models import Notification, Playbook, PlaybookStep, Task
from scoring.history import HistoryExists, history_rebuild
from scoring.models import AccountScore, AuditEvent, ScoreChange, ScoreSnapshot
from scoring.services import scores_recompute
from scoring.versions import version_clone_as_draft, version_publish
from tests.factories import AccountFactory, observe

NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
FIRST, LAST = dt.date(2025, 5, 1), dt.date(2025, 5, 31)  # a month, a year ago


@pytest.fixture
def book(scoring_setup, alice, team):
    red = Playbook.objects.create(name="Red", trigger_kind="enter_tier", tier="red", severity="high")
    PlaybookStep.objects.create(playbook=red, order=1, title="Call", due_offset_hours=24)
    logins = scoring_setup.signals["weekly_logins"]
    steady = AccountFactory(external_id="steady", owner=alice, team=team)
    falling = AccountFactory(external_id="falling", owner=alice, team=team)
    with time_machine.travel(NOW, tick=False):
        for d in range(80):
            at = dt.datetime(2025, 3, 15, 10, tzinfo=dt.UTC) + d * DAY
            observe(steady, logins, 3, at)
            observe(falling, logins, 3 if at.date() < dt.date(2025, 5, 15) else 0, at)
    return scoring_setup, steady, falling


def test_it_builds_one_snapshot_per_account_per_day_without_tasks_or_alerts(book):
    setup, steady, falling = book
    with time_machine.travel(NOW, tick=False):
        out = io.StringIO()
        call_command("recompute_scores", "--all", "--from", FIRST.isoformat(), "--to", LAST.isoformat(), stdout=out)
    assert "Built 62 snapshot(s) for 2 account(s), 2025-05-01 to 2025-05-31" in out.getvalue()
    for account in (steady, falling):
        rows = list(ScoreSnapshot.objects.filter(account=account).order_by("date").values_list("date", "model_version"))
        assert [d for d, _ in rows] == [FIRST + k * DAY for k in range(31)]
        assert {v for _, v in rows} == {setup.version.pk}  # each day names its version
    # Day D is scored as of its end: the observation of 10:00 that day counts.
    assert ScoreSnapshot.objects.get(account=falling, date=dt.date(2025, 5, 14)).score > \
        ScoreSnapshot.objects.get(account=falling, date=dt.date(2025, 5, 31)).score + 20
    changes = list(ScoreChange.objects.filter(account=falling).order_by("date"))
    assert changes[0].date == FIRST and changes[0].summary.startswith("First score")
    assert any(c.tier_changed and c.to_tier == "red" for c in changes)  # hysteresis ran forward
    # The current score is the state as of the last day of the range, dated then.
    score = AccountScore.objects.get(account=falling)
    assert score.computed_at.date() == LAST and score.tier == "red"
    assert not Task.objects.exists() and not Notification.objects.exists()


def test_a_rebuild_over_stored_history_is_refused_then_audited_and_marked(book, ops):
    setup, steady, falling = book
    with time_machine.travel(NOW, tick=False):
        history_rebuild(first_day=FIRST, last_day=LAST)
        with pytest.raises(HistoryExists, match=r"62 snapshot\(s\) already exist .*\(62 scored by .* v1\)"):
            history_rebuild(first_day=FIRST, last_day=LAST)
        with pytest.raises(CommandError, match="pass --replace"):
            call_command("recompute_scores", "--all", "--from", FIRST.isoformat(), "--to", LAST.isoformat())
        v2 = version_clone_as_draft(version=setup.version, actor=ops)
        v2.green_threshold = 90
        v2.save()
        version_publish(version=v2, actor=ops, now=NOW)
        snaps_before = ScoreSnapshot.objects.filter(date__gte=FIRST, date__lte=LAST).count()
        rebuilt = history_rebuild(first_day=FIRST, last_day=LAST, replace=True, actor=ops)
    assert (rebuilt.replaced, rebuilt.snapshots, snaps_before) == (62, 62, 62)
    assert set(ScoreSnapshot.objects.filter(date__lte=LAST).values_list("model_version", flat=True)) == {v2.pk}
    event = AuditEvent.objects.get(action="history_replace")
    assert event.actor == ops and event.before["snapshots"] == {f"{setup.version.model} v1": 62}
    markers = ScoreChange.objects.filter(cause=ScoreChange.Cause.HISTORY_REPLACED).order_by("account")
    assert [(m.account_id, m.date) for m in markers] == [(steady.pk, FIRST), (falling.pk, FIRST)]
    assert markers[0].summary == f"History replaced for {FIRST}–{LAST}: now scored by {v2.model} v2 (was {v2.model} v1)"
    # The steady account (score 75) was green under v1 (≥ 75) and is yellow under v2 (green ≥ 90).
    assert (markers[0].from_tier, markers[0].to_tier) == ("green", "yellow")
    # A later rebuild keeps the marker.
    with time_machine.travel(NOW, tick=False):
        history_rebuild(first_day=FIRST, last_day=LAST, replace=True)
    assert ScoreChange.objects.filter(cause=ScoreChange.Cause.HISTORY_REPLACED).count() == 2


def test_a_rebuild_does_not_overwrite_newer_current_scores(book):
    _, steady, _ = book
    with time_machine.travel(NOW, tick=False):
        scores_recompute(now=NOW)
        history_rebuild(first_day=FIRST, last_day=LAST)
    assert AccountScore.objects.get(account=steady).computed_at == NOW


def test_it_exports_the_range_as_csv(book, tmp_path):
    with time_machine.travel(NOW, tick=False):
        history_rebuild(first_day=FIRST, last_day=LAST)
    target = tmp_path / "snaps.csv"
    call_command("export_snapshots", "--from", "2025-05-30", "--to", "2025-05-31", str(target), stdout=io.StringIO())
    rows = list(csv.reader(target.open()))
    stored = {(s.account.external_id, s.date.isoformat()): s for s in
              ScoreSnapshot.objects.filter(date__gte=dt.date(2025, 5, 30)).select_related("account")}
    assert rows[0] == ["account_external_id", "date", "score", "tier"]
    assert [r[:2] for r in rows[1:]] == [["falling", "2025-05-30"], ["falling", "2025-05-31"],
                                          ["steady", "2025-05-30"], ["steady", "2025-05-31"]]
    for ext, date, score, tier in rows[1:]:
        assert (float(score), tier) == (round(stored[(ext, date)].score, 2), stored[(ext, date)].tier)


def test_the_range_is_checked():
    with pytest.raises(CommandError, match="Give both --from and --to"):
        call_command("recompute_scores", "--all", "--from", "2025-01-01")
    with pytest.raises(CommandError, match="is not a date"):
        call_command("recompute_scores", "--all", "--from", "2025-13-01", "--to", "2025-12-01")
