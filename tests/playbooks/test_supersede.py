"""Tasks are superseded when their tier or playbook no longer applies (closed with a note), and a
flag a person set does not also open the "what changed?" playbooks."""

from __future__ import annotations

import datetime as dt

import pytest

from playbooks.models import Task
from playbooks.triggers import rules_evaluate_all, triggers_evaluate
from scoring.models import Override


@pytest.fixture
def plays(playbook):
    return {
        "green": playbook("enter_tier", tier="green", severity="low", steps=[("Flag for expansion", 336, "owner")]),
        "yellow": playbook("enter_tier", tier="yellow", severity="medium", steps=[("Check-in call", 72, "owner")]),
        "red": playbook("enter_tier", tier="red", severity="high", steps=[("Call the champion", 24, "owner")]),
        "rapid": playbook("rapid_decline", severity="high", steps=[("Find out what changed", 24, "owner")]),
    }


def _enter(account, now, score_state, tier_change, result_of, *, frm, to, score, trend="stable"):
    state = score_state(account, score=score, tier=to, trend=trend)
    change = tier_change(account, frm, to, 80.0, score, date=now.date())
    return triggers_evaluate(result=result_of(account, changes=[change], scores=[state]), now=now)


def test_it_closes_the_yellow_check_in_with_a_note_when_the_account_goes_red(account, now, plays, score_state,
                                                                             tier_change, result_of):
    _enter(account, now, score_state, tier_change, result_of, frm="green", to="yellow", score=60.0)
    check_in = Task.objects.get(playbook=plays["yellow"])
    later = now + dt.timedelta(days=9)

    counts = _enter(account, later, score_state, tier_change, result_of, frm="yellow", to="red", score=40.0)

    check_in.refresh_from_db()
    assert check_in.status == "dismissed" and check_in.closed_at == later and check_in.closed_by is None
    assert check_in.dismiss_reason == (
        "Superseded on 5 Dec 2026: the account is now red, so “enter_tier yellow” (yellow) no longer applies."
    )
    assert counts["superseded"] == 1
    assert list(Task.objects.filter(status="open").values_list("playbook", flat=True)) == [plays["red"].pk]


def test_it_closes_the_green_expansion_task_after_a_drop_to_yellow(account, now, plays, score_state, tier_change,
                                                                   result_of):
    _enter(account, now, score_state, tier_change, result_of, frm="", to="green", score=85.0)
    _enter(account, now + dt.timedelta(days=3), score_state, tier_change, result_of, frm="green", to="yellow", score=62.0)

    statuses = dict(Task.objects.values_list("playbook__tier", "status"))
    assert statuses == {"green": "dismissed", "yellow": "open"}


def test_it_leaves_a_started_task_open_with_a_note_once(account, now, plays, score_state, tier_change, result_of):
    _enter(account, now, score_state, tier_change, result_of, frm="green", to="yellow", score=60.0)
    Task.objects.update(started_at=now + dt.timedelta(hours=1), outcome_note="Booked a call.")
    state = score_state(account, score=40.0, tier="red")
    for days in (9, 10):
        triggers_evaluate(result=result_of(account, scores=[state]), now=now + dt.timedelta(days=days))

    task = Task.objects.get(playbook=plays["yellow"])
    assert task.status == "open"
    assert task.outcome_note == (
        "Booked a call.\nSuperseded on 5 Dec 2026: the account is now red, so “enter_tier yellow” (yellow) no longer "
        "applies. Left open because work on this task had already started."
    )


def test_it_closes_the_tasks_of_a_playbook_that_was_switched_off(account, now, plays, score_state, tier_change,
                                                                 result_of):
    _enter(account, now, score_state, tier_change, result_of, frm="green", to="yellow", score=60.0)
    plays["yellow"].active = False
    plays["yellow"].save()
    state = score_state(account, score=61.0, tier="yellow")
    triggers_evaluate(result=result_of(account, scores=[state]), now=now + dt.timedelta(days=1))

    task = Task.objects.get()
    assert task.status == "dismissed" and "was switched off" in task.dismiss_reason


def test_a_champion_left_flag_opens_the_red_plan_but_not_the_rapid_decline_task(account, now, plays, score_state,
                                                                                tier_change, result_of, alice):
    # The CSM flags "champion left" (cap 30): the score falls 55 → 30 at once, a rapid decline into red.
    Override.objects.create(account=account, reason="champion_left", effect="cap", value=30, created_by=alice,
                            expires_at=now + dt.timedelta(days=60))
    _enter(account, now, score_state, tier_change, result_of, frm="yellow", to="red", score=30.0, trend="rapid_decline")

    assert list(Task.objects.values_list("playbook", flat=True)) == [plays["red"].pk]
    # The daily level-trigger run does not open it either while the flag explains the move...
    rules_evaluate_all(now=now + dt.timedelta(days=1))
    assert Task.objects.count() == 1


def test_an_unflagged_rapid_decline_still_opens_its_task(account, now, plays, score_state, tier_change, result_of):
    _enter(account, now, score_state, tier_change, result_of, frm="yellow", to="red", score=30.0, trend="rapid_decline")

    assert set(Task.objects.values_list("playbook", flat=True)) == {plays["red"].pk, plays["rapid"].pk}


def test_a_flag_older_than_the_trend_window_no_longer_explains_a_decline(account, now, plays, score_state, alice):
    flag = Override.objects.create(account=account, reason="champion_left", effect="cap", value=30, created_by=alice,
                                   expires_at=now + dt.timedelta(days=90))
    Override.objects.filter(pk=flag.pk).update(created_at=now - dt.timedelta(days=31))
    score_state(account, score=30.0, tier="red", trend="rapid_decline")

    rules_evaluate_all(now=now)

    assert list(Task.objects.values_list("playbook", flat=True)) == [plays["rapid"].pk]
