"""An account's first score writes a change-log entry: it entered its tier (from nothing)."""

from __future__ import annotations

import pytest

from scoring.changelog import describe_change
from scoring.models import ScoreChange
from scoring.services import scores_recompute
from tests.factories import AccountFactory, observe
from tests.scoring.conftest import DAY, NOW

FIELDS = ("date", "from_score", "to_score", "from_tier", "to_tier", "tier_changed", "cause", "summary")


def test_it_words_a_first_score_without_deltas():
    # Scores read rounded down, like everywhere in the app (a red 49.7 never reads 50).
    assert describe_change(before=None, after={"signals": []}, from_score=None, to_score=41.6, to_tier="red") == (
        [], "First score: 41 (red)"  # rounded down: never across a threshold
    )


def test_it_logs_the_first_score_of_a_new_account_once(scoring_setup):
    s = scoring_setup.signals
    account = AccountFactory()
    observe(account, s["weekly_logins"], 0, NOW - DAY)     # 0 of 0 → 3: usage 0
    observe(account, s["open_tickets"], 5, NOW - DAY)      # 5 of 5 → 0: 0; ticket age neutral 50 → support 25
    # (40·0 + 15·25 + 15·50 + 10·50) / 80 = 20.31 → red
    result = scores_recompute(account_ids=[account.pk], now=NOW)
    (change,) = result.changes
    assert tuple(getattr(change, f) for f in FIELDS) == (
        NOW.date(), None, pytest.approx(20.31), "", "red", True, "data", "First score: 20 (red)"
    )
    assert change.signal_deltas == []
    assert ScoreChange.objects.get().pk == change.pk

    again = scores_recompute(account_ids=[account.pk], now=NOW + DAY / 10)  # same day, same data
    assert again.changes == []
    assert ScoreChange.objects.count() == 1


def test_it_updates_the_first_entry_when_its_day_is_recomputed_with_new_data(scoring_setup):
    s = scoring_setup.signals
    account = AccountFactory()
    observe(account, s["weekly_logins"], 0, NOW - DAY)
    scores_recompute(account_ids=[account.pk], now=NOW - DAY / 2)
    # Usage 0; others neutral: (0 + 15·50 + 15·50 + 10·50) / 80 = 25 → red.
    assert ScoreChange.objects.get().summary == "First score: 25 (red)"
    observe(account, s["weekly_logins"], 3, NOW - DAY / 4, source="b")  # latest-ish mean rises
    result = scores_recompute(account_ids=[account.pk], now=NOW)
    (change,) = result.changes
    entry = ScoreChange.objects.get()
    assert (entry.pk, entry.from_score, entry.from_tier, entry.to_score) == (
        change.pk, None, "", pytest.approx(change.to_score)
    )
    assert change.to_score > 25


def test_it_logs_no_first_score_for_a_backfill_of_an_account_with_older_history(scoring_setup):
    s = scoring_setup.signals
    old, new = AccountFactory(), AccountFactory()
    for a in (old, new):
        for d in range(20):
            observe(a, s["weekly_logins"], 3, NOW - d * DAY)
    scores_recompute(account_ids=[old.pk], now=NOW - 10 * DAY)  # old already has a score before the range
    ScoreChange.objects.all().delete()
    scores_recompute(now=NOW, backfill_days=5)
    assert not ScoreChange.objects.filter(account=old).exists()
    first = ScoreChange.objects.get(account=new)
    # Logins 25/week → usage 100; the rest neutral 50: (4000 + 750 + 750 + 500) / 80 = 75 → green.
    assert (first.date, first.from_score, first.summary) == ((NOW - 4 * DAY).date(), None, "First score: 75 (green)")
