"""``recompute_scores --backfill-days N`` never silently rewrites history: refused over stored snapshots
(today's included) unless --replace, and a replacement is audited and marked, as with --from/--to."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command

from accounts.models import Account
from playbooks.models import Playbook, PlaybookStep
from scoring.models import AuditEvent, ScoreChange, ScoreOutbox, ScoreSnapshot
from scoring.services import scores_recompute
from scoring.versions import version_clone_as_draft, version_publish
from tests.factories import AccountFactory, observe

NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
FIRST = dt.date(2026, 6, 9)  # the first of the last 7 days ending NOW


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def book(clock, scoring_setup, alice, team):
    red = Playbook.objects.create(name="Red", trigger_kind="enter_tier", tier="red", severity="high")
    PlaybookStep.objects.create(playbook=red, order=1, title="Call", due_offset_hours=24)
    logins = scoring_setup.signals["weekly_logins"]
    steady = AccountFactory(external_id="steady", owner=alice, team=team)
    falling = AccountFactory(external_id="falling", owner=alice, team=team)
    for d in range(40):
        observe(steady, logins, 3, NOW - d * DAY)
        observe(falling, logins, 3 if d >= 6 else 0, NOW - d * DAY)  # silent for the last 6 days: a slide logged today
    return scoring_setup, steady, falling


def _backfill(*extra: str) -> str:
    out = io.StringIO()
    call_command("recompute_scores", "--all", "--backfill-days", "7", *extra, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def _stored() -> tuple[list, list]:
    snapshots = list(ScoreSnapshot.objects.order_by("account", "date")
                     .values_list("account", "date", "score", "tier", "model_version"))
    log = list(ScoreChange.objects.order_by("account", "date", "cause")
               .values_list("pk", "account", "date", "cause", "to_score", "to_tier", "summary"))
    return snapshots, log


def test_it_fills_an_empty_range_without_replace(book):
    out = _backfill()
    assert ScoreSnapshot.objects.count() == 14 and "replaced" not in out
    assert not AuditEvent.objects.filter(action="history_replace").exists()
    assert not ScoreChange.objects.filter(cause=ScoreChange.Cause.HISTORY_REPLACED).exists()


def test_it_refuses_stored_history_without_replace_and_changes_nothing(book):
    _backfill()
    before = _stored()
    with pytest.raises(CommandError, match=r"^14 snapshot\(s\) already exist between 2026-06-09 and 2026-06-15 "
                                           r"\(14 scored by .* v1\); .*pass --replace"):
        _backfill()
    assert _stored() == before
    assert not AuditEvent.objects.filter(action="history_replace").exists()


def test_todays_own_snapshot_counts_as_history(book):
    scores_recompute(now=NOW)  # the normal daily recompute: one snapshot each, today
    before = _stored()
    with pytest.raises(CommandError, match=r"^2 snapshot\(s\) already exist between 2026-06-09 and 2026-06-15"):
        _backfill()
    assert _stored() == before


def test_with_replace_it_rebuilds_audited_with_one_marker_per_account(book, ops):
    setup, steady, falling = book
    _backfill()
    v2 = version_clone_as_draft(version=setup.version, actor=ops)
    v2.green_threshold = 90
    v2.save()
    version_publish(version=v2, actor=ops, now=NOW)
    stored = ScoreSnapshot.objects.filter(date__gte=FIRST)
    assert set(stored.values_list("model_version", flat=True)) == {setup.version.pk}
    out = _backfill("--replace")

    assert "replaced 14 stored snapshot(s) (audited)" in out
    assert set(stored.values_list("model_version", flat=True)) == {v2.pk}  # rebuilt, every day
    assert sorted(stored.values_list("account", "date")) == sorted(
        (a.pk, FIRST + k * DAY) for a in (steady, falling) for k in range(7))
    event = AuditEvent.objects.get(action="history_replace")
    assert event.before == {"first_day": "2026-06-09", "last_day": "2026-06-15",
                            "snapshots": {f"{v2.model} v1": 14}}
    markers = ScoreChange.objects.filter(cause=ScoreChange.Cause.HISTORY_REPLACED).order_by("account")
    assert [(m.account_id, m.date) for m in markers] == [(steady.pk, FIRST), (falling.pk, FIRST)]
    assert markers[0].summary == f"History replaced for {FIRST}–{NOW.date()}: now scored by {v2.model} v2 (was {v2.model} v1)"
    # Still a backfill: today's changes go to the outbox for the triggers, the past's and the markers never.
    acted = ScoreChange.objects.filter(pk__in=[c for row in ScoreOutbox.objects.all() for c in row.change_ids])
    assert acted.exists() and set(acted.values_list("date", flat=True)) == {NOW.date()}
    assert not acted.filter(cause=ScoreChange.Cause.HISTORY_REPLACED).exists()


def test_replace_goes_with_a_rebuild_only(book):
    with pytest.raises(CommandError, match="--replace goes with --backfill-days or --from/--to"):
        call_command("recompute_scores", "--all", "--replace", stdout=io.StringIO(), stderr=io.StringIO())


def test_a_paused_accounts_history_is_not_counted_nor_marked(book):
    _, steady, falling = book
    scores_recompute(now=NOW)
    Account.objects.filter(pk=falling.pk).update(status=Account.Status.PAUSED)
    kept = list(ScoreSnapshot.objects.filter(account=falling).values_list("date", "score"))
    with pytest.raises(CommandError, match=r"^1 snapshot\(s\) already exist"):  # steady's, not falling's
        _backfill()
    _backfill("--replace")
    assert list(ScoreSnapshot.objects.filter(account=falling).values_list("date", "score")) == kept
    markers = ScoreChange.objects.filter(cause=ScoreChange.Cause.HISTORY_REPLACED)
    assert list(markers.values_list("account", "date")) == [(steady.pk, NOW.date())]
    assert AuditEvent.objects.get(action="history_replace").before["snapshots"] == {f"{book[0].model} v1": 1}
