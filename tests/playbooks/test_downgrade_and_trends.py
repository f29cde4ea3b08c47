"""Any downgrade, rapid decline and gradual decline open their playbooks."""

from __future__ import annotations

from playbooks.models import Task
from playbooks.triggers import triggers_evaluate


def test_it_opens_the_downgrade_playbook_on_any_downgrade(account, now, playbook, score_state, tier_change, result_of):
    downgrade = playbook("downgrade", steps=[("Find out what changed", 48, "owner")])
    score = score_state(account, score=70.0, tier="yellow")
    change = tier_change(account, "green", "yellow", 78.0, 70.0)

    triggers_evaluate(result=result_of(account, changes=[change], scores=[score]), now=now)

    task = Task.objects.get()
    assert (task.playbook, task.opened_in_tier, task.opened_by_change) == (downgrade, "yellow", change)


def test_it_does_not_treat_an_upgrade_or_a_first_score_as_a_downgrade(
    account, now, playbook, score_state, tier_change, result_of
):
    playbook("downgrade", steps=[("Find out what changed", 48, "owner")])
    score = score_state(account, score=80.0, tier="green")
    upgrade = tier_change(account, "yellow", "green", 60.0, 80.0)

    triggers_evaluate(result=result_of(account, changes=[upgrade], scores=[score]), now=now)
    first = tier_change(account, "", "red", None, 20.0, date=now.date().replace(day=1))
    triggers_evaluate(result=result_of(account, changes=[first], scores=[score]), now=now)

    assert Task.objects.count() == 0


def test_it_opens_the_rapid_decline_playbook(account, now, playbook, score_state, result_of):
    rapid = playbook("rapid_decline", severity="high", steps=[("Call today", 24, "owner")])
    playbook("gradual_decline", steps=[("Review usage", 120, "owner")])
    score = score_state(account, score=55.0, tier="yellow", trend="rapid_decline")

    triggers_evaluate(result=result_of(account, scores=[score]), now=now)

    task = Task.objects.get()
    assert (task.playbook, task.severity, task.opened_in_tier) == (rapid, "high", "yellow")


def test_it_opens_the_gradual_decline_playbook(account, now, playbook, score_state, result_of):
    playbook("rapid_decline", severity="high", steps=[("Call today", 24, "owner")])
    gradual = playbook("gradual_decline", steps=[("Review usage", 120, "owner")])
    score = score_state(account, score=76.0, tier="green", trend="gradual_decline")

    triggers_evaluate(result=result_of(account, scores=[score]), now=now)

    task = Task.objects.get()
    assert (task.playbook, task.opened_in_tier) == (gradual, "green")


def test_it_opens_nothing_for_a_stable_account(account, now, playbook, score_state, result_of):
    playbook("rapid_decline", severity="high", steps=[("Call today", 24, "owner")])
    playbook("gradual_decline", steps=[("Review usage", 120, "owner")])
    score = score_state(account, score=76.0, tier="green", trend="stable")

    triggers_evaluate(result=result_of(account, scores=[score]), now=now)

    assert Task.objects.count() == 0
