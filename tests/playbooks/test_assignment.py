"""Steps go to the owner or the manager; without one, to the team's unassigned queue."""

from __future__ import annotations

from playbooks.models import Task
from playbooks.triggers import triggers_evaluate


def _trigger(account, now, score_state, tier_change, result_of):
    score = score_state(account, score=30.0, tier="red")
    change = tier_change(account, "yellow", "red", 55.0, 30.0)
    triggers_evaluate(result=result_of(account, changes=[change], scores=[score]), now=now)


def test_it_assigns_owner_and_manager_steps(
    account, alice, manager, team, now, playbook, score_state, tier_change, result_of
):
    playbook("enter_tier", tier="red", severity="high", steps=[("Call", 24, "owner"), ("Exec review", 48, "manager")])

    _trigger(account, now, score_state, tier_change, result_of)

    assert {t.title: (t.assignee, t.team) for t in Task.objects.all()} == {
        "Call": (alice, team), "Exec review": (manager, team)
    }


def test_it_falls_back_to_the_team_queue(account, alice, team, now, playbook, score_state, tier_change, result_of):
    playbook("enter_tier", tier="red", severity="high", steps=[("Call", 24, "owner"), ("Exec review", 48, "manager")])
    account.owner = None
    account.manager = None
    account.save()
    team.manager = None
    team.save()

    _trigger(account, now, score_state, tier_change, result_of)

    assert {t.title: (t.assignee, t.team) for t in Task.objects.all()} == {"Call": (None, team), "Exec review": (None, team)}


def test_it_uses_the_team_manager_and_skips_inactive_owners(
    account, alice, manager, team, now, playbook, score_state, tier_change, result_of
):
    playbook("enter_tier", tier="red", severity="high", steps=[("Call", 24, "owner"), ("Exec review", 48, "manager")])
    account.manager = None
    account.save()
    alice.is_active = False
    alice.save()

    _trigger(account, now, score_state, tier_change, result_of)

    assert {t.title: t.assignee for t in Task.objects.all()} == {"Call": None, "Exec review": manager}
