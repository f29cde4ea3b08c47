"""Recovering out of the tier that opened a task closes it, unless the CSM already started it."""

from __future__ import annotations

import datetime as dt

import pytest

from playbooks.models import Task
from playbooks.triggers import triggers_evaluate


@pytest.fixture
def red_task(account, now, playbook, score_state, tier_change, result_of):
    playbook("enter_tier", tier="red", severity="high", steps=[("Call", 24, "owner")])
    score = score_state(account, score=30.0, tier="red")
    change = tier_change(account, "yellow", "red", 55.0, 30.0)
    triggers_evaluate(result=result_of(account, changes=[change], scores=[score]), now=now)
    return Task.objects.get()


def test_it_closes_the_task_when_the_account_recovers(account, now, red_task, score_state, result_of):
    later = now + dt.timedelta(days=8)
    score = score_state(account, score=58.0, tier="yellow")

    triggers_evaluate(result=result_of(account, scores=[score]), now=later)

    red_task.refresh_from_db()
    assert red_task.status == "done"
    assert red_task.closed_at == later
    assert red_task.closed_by is None
    assert red_task.outcome_note == "Auto-closed: the account recovered from red to yellow on 4 Dec 2026 (score 58.0)."


def test_it_keeps_a_task_open_while_the_account_stays_in_its_tier(account, now, red_task, score_state, result_of):
    score = score_state(account, score=45.0, tier="red")

    triggers_evaluate(result=result_of(account, scores=[score]), now=now + dt.timedelta(days=1))

    red_task.refresh_from_db()
    assert (red_task.status, red_task.outcome_note) == ("open", "")


def test_it_leaves_a_started_task_open_and_annotates_it_once(account, now, red_task, score_state, result_of):
    red_task.started_at = now + dt.timedelta(hours=2)
    red_task.outcome_note = "Left a voicemail."
    red_task.save()
    score = score_state(account, score=77.0, tier="green")

    triggers_evaluate(result=result_of(account, scores=[score]), now=now + dt.timedelta(days=8))
    triggers_evaluate(result=result_of(account, scores=[score]), now=now + dt.timedelta(days=9))

    red_task.refresh_from_db()
    assert red_task.status == "open"
    assert red_task.outcome_note == (
        "Left a voicemail.\nThe account recovered from red to green on 4 Dec 2026 (score 77.0); "
        "left open because work on this task had already started."
    )


def test_it_never_auto_closes_a_task_opened_in_green(account, now, playbook, score_state, result_of):
    playbook("gradual_decline", steps=[("Review usage", 120, "owner")])
    score = score_state(account, score=78.0, tier="green", trend="gradual_decline")
    triggers_evaluate(result=result_of(account, scores=[score]), now=now)
    score = score_state(account, score=85.0, tier="green", trend="improving")

    triggers_evaluate(result=result_of(account, scores=[score]), now=now + dt.timedelta(days=3))

    assert Task.objects.get().status == "open"
