"""The change log's baseline is the account's last entry, not yesterday's score (#16).

- a slow slide gets a row once it adds up to SCORE_CHANGE_MIN_POINTS since the last entry;
- one row per account, day and cause however often the day is recomputed (the row keeps its start);
- a new model version's row holds what the version moved; the day's data move keeps its own row.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from scoring.models import CategoryWeight, ScoreChange
from scoring.services import scores_recompute
from scoring.versions import version_clone_as_draft, version_publish
from tests.factories import AccountFactory, observe
from tests.scoring.conftest import DAY, NOW

HOUR = dt.timedelta(hours=1)


@pytest.fixture
def account(scoring_setup):
    # The arithmetic below is written for these bounds and a login signal that does not decay (the
    # standard model's are steeper since #15, and its usage signals decay on silence): pinned here,
    # this file tests the change log's baseline, not the standard model.
    from scoring.models import SignalDefinition

    SignalDefinition.objects.filter(key="weekly_logins").update(bad_value=1, good_value=25, missing_policy="zero")
    SignalDefinition.objects.filter(key="open_tickets").update(bad_value=8, good_value=0)
    s = scoring_setup.signals
    # The change log's mechanics on fixed scales: logins 1 → 25 without silence decay (one old
    # observation carries usage), open tickets 8 → 0.
    s["weekly_logins"].bad_value, s["weekly_logins"].good_value, s["weekly_logins"].missing_policy = 1, 25, "zero"
    s["weekly_logins"].save()
    s["open_tickets"].bad_value = 8
    s["open_tickets"].save()
    a = AccountFactory()
    observe(a, s["weekly_logins"], 25, NOW - 20 * DAY, source="old")  # usage 100
    observe(a, s["open_tickets"], 0, NOW - 20 * DAY, source="old")  # support 75 (ticket age neutral)
    return a


def _rows(account) -> list[tuple]:
    return [(c.date, c.cause, round(c.from_score, 2) if c.from_score is not None else None, round(c.to_score, 2))
            for c in ScoreChange.objects.filter(account=account).order_by("date", "id")]


def test_a_slow_slide_gets_a_row_once_it_adds_up(account, scoring_setup, settings):
    settings.SCORE_CHANGE_MIN_POINTS = 5
    s = scoring_setup.signals
    first = NOW - 6 * DAY
    scores_recompute(account_ids=[account.pk], now=first)  # 79.69 green
    # One more open ticket a day: −1.17 points a day, never 5 from one day to the next.
    for n in range(1, 6):
        day = first + n * DAY
        observe(account, s["open_tickets"], n, day - HOUR, source=f"d{n}")
        scores_recompute(account_ids=[account.pk], now=day)
    # Day 5: 5 tickets, 79.69 − 5 × 1.17 = 73.83 — 5.86 below the last entry: a row, from the last entry.
    assert _rows(account) == [(first.date(), "data", None, 79.69), ((first + 5 * DAY).date(), "data", 79.69, 73.83)]
    change = ScoreChange.objects.get(account=account, from_score__isnull=False)
    assert [(d["signal"], d["delta"]) for d in change.signal_deltas] == [("open_tickets", pytest.approx(-5.86, abs=0.02))]
    assert change.summary == "\u22126: open support tickets \u22126"
    # The next small steps compare with that row (73.83), not with the first score.
    observe(account, s["open_tickets"], 6, first + 6 * DAY - HOUR, source="d6")
    assert scores_recompute(account_ids=[account.pk], now=first + 6 * DAY).changes == []


def test_a_day_keeps_one_row_per_cause_and_its_start(account, scoring_setup, settings):
    settings.SCORE_CHANGE_MIN_POINTS = 5
    s = scoring_setup.signals
    scores_recompute(account_ids=[account.pk], now=NOW - DAY)  # 79.69
    observe(account, s["open_tickets"], 6, NOW - 4 * HOUR, source="a")
    scores_recompute(account_ids=[account.pk], now=NOW - 3 * HOUR)  # 72.66
    observe(account, s["open_tickets"], 8, NOW - 2 * HOUR, source="b")
    scores_recompute(account_ids=[account.pk], now=NOW - HOUR)  # 70.31
    scores_recompute(account_ids=[account.pk], now=NOW)  # nothing new
    assert _rows(account) == [((NOW - DAY).date(), "data", None, 79.69), (NOW.date(), "data", 79.69, 70.31)]
    (change,) = ScoreChange.objects.filter(date=NOW.date())
    assert [(d["signal"], d["delta"]) for d in change.signal_deltas] == [("open_tickets", pytest.approx(-9.38, abs=0.02))]


def test_a_model_version_row_does_not_absorb_the_days_data_move(
    account, scoring_setup, settings, ops, django_capture_on_commit_callbacks
):
    settings.SCORE_CHANGE_MIN_POINTS = 5
    s = scoring_setup.signals
    scores_recompute(account_ids=[account.pk], now=NOW - DAY)  # 79.69 green
    observe(account, s["open_tickets"], 8, NOW - 4 * HOUR, source="a")
    scores_recompute(account_ids=[account.pk], now=NOW - 3 * HOUR)  # data: 79.69 → 70.31
    draft = version_clone_as_draft(version=scoring_setup.version, actor=ops)
    CategoryWeight.objects.filter(version=draft, category="usage").update(weight=0)
    # v2 without usage: (15·25 + 15·50 + 10·50) / 40 = 40.625
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        version_publish(version=draft, actor=ops, now=NOW)
    expected = [((NOW - DAY).date(), "data", None, 79.69), (NOW.date(), "data", 79.69, 70.31),
                (NOW.date(), "model_version", 70.31, pytest.approx(40.62, abs=0.011))]
    assert _rows(account) == expected
    model_row = ScoreChange.objects.get(cause="model_version")
    assert "open support tickets" not in model_row.summary  # the tickets moved the data row, not the version's
    # The same day's reruns change neither row.
    scores_recompute(account_ids=[account.pk], now=NOW + HOUR)
    scores_recompute(account_ids=[account.pk], now=NOW + 2 * HOUR)
    assert _rows(account) == expected


def test_a_backfill_logs_a_slow_slide_the_same_way(account, scoring_setup, settings):
    settings.SCORE_CHANGE_MIN_POINTS = 5
    s = scoring_setup.signals
    first = NOW - 6 * DAY
    for n in range(1, 7):
        observe(account, s["open_tickets"], n, first + n * DAY - HOUR, source=f"d{n}")
    scores_recompute(account_ids=[account.pk], now=NOW, backfill_days=7)
    rows = _rows(account)
    assert [r[:3] for r in rows] == [(first.date(), "data", None), ((first + 5 * DAY).date(), "data", 79.69)]
    assert rows[1][3] == pytest.approx(73.83, abs=0.01)
