"""Recomputing twice on the same day with the same data changes nothing and adds no rows."""

from __future__ import annotations

import pytest
from django.db.models import Model

from scoring.models import AccountScore, ScoreChange, ScoreSnapshot
from scoring.services import scores_recompute
from tests.factories import AccountFactory, observe
from tests.scoring.conftest import DAY, NOW


def _state(model: type[Model]) -> list[tuple]:
    fields = [f.attname for f in model._meta.concrete_fields if f.attname not in ("computed_at", "created_at")]
    return list(model.objects.order_by("pk").values_list(*fields))


@pytest.mark.django_db
def test_it_adds_no_rows_and_changes_nothing_on_a_second_run(scoring_setup):
    s = scoring_setup.signals
    accounts = [AccountFactory() for _ in range(4)]
    for i, a in enumerate(accounts):
        observe(a, s["weekly_logins"], 2.4, NOW - 3 * DAY)
        observe(a, s["open_tickets"], i, NOW - 3 * DAY)
    scores_recompute(now=NOW - DAY)            # yesterday's state
    for a in accounts[:2]:
        observe(a, s["weekly_logins"], 0.125, NOW - DAY / 2)  # today the logins collapse for two accounts
    first = scores_recompute(now=NOW)
    assert len(first.changes) == 2
    before = {m: _state(m) for m in (AccountScore, ScoreSnapshot, ScoreChange)}
    second = scores_recompute(now=NOW + DAY / 10)  # same day, same data
    assert second.changes == []
    assert {m: _state(m) for m in (AccountScore, ScoreSnapshot, ScoreChange)} == before
    assert ScoreSnapshot.objects.count() == 8
    assert ScoreChange.objects.count() == 4 + 2  # yesterday's first scores, today's two drops
