"""Backfill: one snapshot per account per day, hysteresis and the change log running forward."""

from __future__ import annotations

import datetime as dt

import pytest

from scoring.history import HistoryExists
from scoring.models import AccountScore, ScoreChange, ScoreSnapshot
from scoring.services import scores_recompute
from tests.factories import AccountFactory, observe
from tests.scoring.conftest import DAY, NOW


@pytest.fixture
def book(scoring_setup):
    s = scoring_setup.signals
    # The mechanics under test need a wide scale (the standard 0–3 saturates at 3 logins a week).
    s["weekly_logins"].bad_value, s["weekly_logins"].good_value = 1, 25
    s["weekly_logins"].save()
    steady, falling = AccountFactory(), AccountFactory()
    for d in range(40):
        observe(steady, s["weekly_logins"], 25, NOW - d * DAY)
        # 25 logins a day until 10 days ago, then 1: the decayed mean slides down day by day.
        observe(falling, s["weekly_logins"], 25 if d >= 10 else 1, NOW - d * DAY)
    return steady, falling


def test_it_writes_one_snapshot_per_day_for_each_account(book):
    result = scores_recompute(now=NOW, backfill_days=30)
    for account in book:
        dates = list(ScoreSnapshot.objects.filter(account=account).values_list("date", flat=True))
        assert dates == [(NOW - d * DAY).date() for d in range(29, -1, -1)]
    assert set(result.scores) == {a.pk for a in book}
    assert AccountScore.objects.get(account=book[0]).computed_at == NOW


def test_it_runs_hysteresis_and_the_change_log_forward(book):
    steady, falling = book
    scores_recompute(now=NOW, backfill_days=30)
    snaps = list(ScoreSnapshot.objects.filter(account=falling).order_by("date"))
    scores = [s.score for s in snaps]
    assert scores[:20] == [scores[0]] * 20           # steady while only 25s are in the window
    assert scores[-1] < scores[19] - 20               # then it falls
    # The effective tier lags the raw tier unless the fall is rapid; each change is dated.
    changes = list(ScoreChange.objects.filter(account=falling).order_by("date"))
    assert changes and all(c.cause == "data" for c in changes)
    tier_changes = [c for c in changes if c.tier_changed]
    for c in tier_changes:
        snap = next(s for s in snaps if s.date == c.date)
        assert snap.tier == c.to_tier
    # The steady account only logs its first score, on the first day of the range:
    # logins 25/week → 100 (usage 40); support, relationship, commercial neutral 50 (15, 15, 10)
    # → (4000 + 750 + 750 + 500) / 80 = 75.0, green.
    assert list(ScoreChange.objects.filter(account=steady).values_list("date", "from_score", "from_tier", "summary")) == [
        ((NOW - 29 * DAY).date(), None, "", "First score: 75 (green)")
    ]
    assert len(set(ScoreSnapshot.objects.filter(account=steady).values_list("score", flat=True))) == 1
    # The last entry is the rapid drop into red: the reason first, then what moved that day.
    assert changes[-1].tier_changed and changes[-1].summary.startswith("Rapid decline: \u2212")
    assert "logins per week \u2212" in changes[-1].summary


def test_it_matches_a_normal_recompute_of_today_and_is_repeatable_with_replace(book):
    scores_recompute(now=NOW, backfill_days=20)
    today = list(ScoreSnapshot.objects.filter(date=NOW.date()).order_by("account").values_list("score", "tier"))
    again = scores_recompute(now=NOW)          # the SQL path, same day
    assert again.changes == []
    assert list(ScoreSnapshot.objects.filter(date=NOW.date()).order_by("account").values_list("score", "tier")) == today
    snapshots, log = _snapshots(), _log()
    # The range holds history now: a second rebuild is refused, and changes nothing.
    with pytest.raises(HistoryExists, match=r"40 snapshot\(s\) already exist .*pass --replace"):
        scores_recompute(now=NOW, backfill_days=20)
    assert (_snapshots(), _log()) == (snapshots, log)
    scores_recompute(now=NOW, backfill_days=20, replace=True)  # a rebuild writes the same rows again
    assert _snapshots() == snapshots
    assert _log(ScoreChange.objects.exclude(cause=ScoreChange.Cause.HISTORY_REPLACED)) == log
    markers = ScoreChange.objects.filter(cause=ScoreChange.Cause.HISTORY_REPLACED)
    assert sorted(markers.values_list("account_id", "date")) == [(a.pk, (NOW - 19 * DAY).date()) for a in book]
    assert all(m.from_score == m.to_score for m in markers)


def _snapshots() -> list[tuple]:
    return list(ScoreSnapshot.objects.order_by("account", "date").values_list("account", "date", "score", "tier"))


def _log(qs=None) -> list[tuple]:
    qs = ScoreChange.objects.all() if qs is None else qs
    return list(qs.order_by("account", "date", "cause").values_list("account", "date", "cause", "to_score", "summary"))


def test_it_reports_only_todays_changes(book):
    result = scores_recompute(now=NOW, backfill_days=30)
    assert all(c.date == NOW.date() for c in result.changes)
    assert ScoreChange.objects.filter(date__lt=NOW.date() - dt.timedelta(days=1)).exists()
