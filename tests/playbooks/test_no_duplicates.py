"""Re-triggering, replaying a recompute or racing never duplicates a task."""

from __future__ import annotations

import datetime as dt

from playbooks.models import Task
from playbooks.services import Enrolment, tasks_open_for
from playbooks.triggers import triggers_evaluate


def test_it_opens_nothing_new_on_a_second_trigger(account, now, playbook, score_state, tier_change, result_of):
    playbook("enter_tier", tier="red", severity="high", steps=[("Call", 24, "owner"), ("Plan", 72, "owner")])
    score = score_state(account, score=30.0, tier="red")
    first = tier_change(account, "yellow", "red", 55.0, 30.0)
    triggers_evaluate(result=result_of(account, changes=[first], scores=[score]), now=now)
    # A later red entry (e.g. after a brief yellow) while the tasks are still open.
    again = tier_change(account, "yellow", "red", 51.0, 35.0, date=now.date() + dt.timedelta(days=1))
    triggers_evaluate(result=result_of(account, changes=[again], scores=[score]), now=now + dt.timedelta(days=1))

    assert Task.objects.count() == 2
    assert set(Task.objects.values_list("opened_by_change", flat=True)) == {first.pk}


def test_it_opens_nothing_on_a_replay_even_after_the_task_was_done(
    account, now, playbook, score_state, tier_change, result_of
):
    playbook("enter_tier", tier="red", severity="high", steps=[("Call", 24, "owner")])
    score = score_state(account, score=30.0, tier="red")
    change = tier_change(account, "yellow", "red", 55.0, 30.0)
    result = result_of(account, changes=[change], scores=[score])
    triggers_evaluate(result=result, now=now)
    Task.objects.update(status="done", closed_at=now)

    triggers_evaluate(result=result, now=now + dt.timedelta(minutes=5))

    assert Task.objects.count() == 1


def test_it_lets_the_database_refuse_a_racing_duplicate(account, now, playbook, score_state, tier_change):
    red = playbook("enter_tier", tier="red", severity="high", steps=[("Call", 24, "owner")])
    change = tier_change(account, "yellow", "red", 55.0, 30.0)
    enrolment = Enrolment(account, red, "red", change)
    # Two workers that both read "no open task" before either wrote: both inserts reach the database.
    Task.objects.bulk_create(
        [Task(account=account, playbook=red, step=red.steps.get(), title="Call", severity="high", due_at=now)]
    )
    tasks_open_for(enrolments=[Enrolment(account, red, "red", None)], now=now)
    tasks_open_for(enrolments=[enrolment, enrolment], now=now)

    assert Task.objects.filter(status="open").count() == 1
