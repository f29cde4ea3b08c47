"""A playbook with reenrol_days enrols an account at most once per that many days."""

from __future__ import annotations

import datetime as dt

from playbooks.models import Task
from playbooks.triggers import triggers_evaluate


def _close_all(now):
    Task.objects.update(status="done", closed_at=now)


def test_it_does_not_reenrol_within_the_limit(account, now, playbook, score_state, result_of):
    playbook("rapid_decline", severity="high", steps=[("Call", 24, "owner")], reenrol_days=30)
    score = score_state(account, score=55.0, tier="yellow", trend="rapid_decline")
    triggers_evaluate(result=result_of(account, scores=[score]), now=now)
    _close_all(now)
    created = Task.objects.get().created_at

    triggers_evaluate(result=result_of(account, scores=[score]), now=created + dt.timedelta(days=29))
    assert Task.objects.count() == 1

    triggers_evaluate(result=result_of(account, scores=[score]), now=created + dt.timedelta(days=30, seconds=1))
    assert Task.objects.count() == 2


def test_it_reenrols_as_soon_as_the_task_closed_without_a_limit(account, now, playbook, score_state, result_of):
    playbook("rapid_decline", severity="high", steps=[("Call", 24, "owner")])
    score = score_state(account, score=55.0, tier="yellow", trend="rapid_decline")
    triggers_evaluate(result=result_of(account, scores=[score]), now=now)
    triggers_evaluate(result=result_of(account, scores=[score]), now=now)
    assert Task.objects.count() == 1  # still open: one live task per step
    _close_all(now)

    triggers_evaluate(result=result_of(account, scores=[score]), now=now + dt.timedelta(days=1))

    assert Task.objects.count() == 2
