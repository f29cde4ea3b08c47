"""Entering a tier opens the tier's playbook tasks, with due dates from the step offsets."""

from __future__ import annotations

import datetime as dt

import pytest

from playbooks.models import Task
from playbooks.triggers import triggers_evaluate


@pytest.mark.parametrize(
    ("from_tier", "to_tier", "to_score"), [("yellow", "red", 42.0), ("green", "yellow", 61.0), ("yellow", "green", 80.0)]
)
def test_it_opens_the_playbook_of_the_entered_tier(
    account, alice, now, playbook, score_state, tier_change, result_of, from_tier, to_tier, to_score
):
    red = playbook("enter_tier", tier="red", severity="high", steps=[("Call the champion", 24, "owner"),
                                                                      ("Exec review", 96, "manager")])
    yellow = playbook("enter_tier", tier="yellow", steps=[("Check in", 72, "owner")])
    green = playbook("enter_tier", tier="green", severity="low", steps=[("Ask for a referral", 168, "owner")])
    score = score_state(account, score=to_score, tier=to_tier)
    change = tier_change(account, from_tier, to_tier, 70.0, to_score)

    triggers_evaluate(result=result_of(account, changes=[change], scores=[score]), now=now)

    expected = {"red": red, "yellow": yellow, "green": green}[to_tier]
    tasks = list(Task.objects.order_by("step__order"))
    assert {t.playbook_id for t in tasks} == {expected.pk}
    assert [t.title for t in tasks] == [s.title for s in expected.steps.all()]
    first = tasks[0]
    assert first.status == "open"
    assert first.assignee == alice
    assert first.opened_in_tier == to_tier
    assert first.opened_by_change == change
    assert first.severity == expected.severity
    assert first.due_at == now + dt.timedelta(hours=expected.steps.first().due_offset_hours)


def test_it_makes_the_first_red_task_due_within_a_day(account, now, playbook, score_state, tier_change, result_of):
    playbook("enter_tier", tier="red", severity="high", steps=[("Call the champion", 24, "owner")])
    score = score_state(account, score=30.0, tier="red")
    change = tier_change(account, "yellow", "red", 55.0, 30.0)

    triggers_evaluate(result=result_of(account, changes=[change], scores=[score]), now=now)

    task = Task.objects.get()
    assert task.due_at - now <= dt.timedelta(hours=24)


def test_it_ignores_a_change_without_a_tier_change(account, now, playbook, score_state, tier_change, result_of):
    playbook("enter_tier", tier="red", severity="high", steps=[("Call", 24, "owner")])
    score = score_state(account, score=31.0, tier="red")
    change = tier_change(account, "red", "red", 38.0, 31.0, tier_changed=False)

    triggers_evaluate(result=result_of(account, changes=[change], scores=[score]), now=now)

    assert Task.objects.count() == 0


def test_it_respects_the_segment_filter_and_the_active_flag(
    account, now, playbook, score_state, tier_change, result_of, scoring_setup
):
    from scoring.models import Segment

    other = Segment.objects.create(name="Enterprise", slug="enterprise")
    playbook("enter_tier", tier="red", severity="high", steps=[("Other segment", 24, "owner")], segment=other)
    playbook("enter_tier", tier="red", severity="high", steps=[("Inactive", 24, "owner")], active=False)
    default_only = playbook(
        "enter_tier", tier="red", severity="high", steps=[("Default segment", 24, "owner")], segment=scoring_setup.segment
    )
    score = score_state(account, score=30.0, tier="red")
    change = tier_change(account, "yellow", "red", 55.0, 30.0)

    triggers_evaluate(result=result_of(account, changes=[change], scores=[score]), now=now)

    # The account has no segment, so it belongs to the default segment.
    assert list(Task.objects.values_list("playbook_id", flat=True)) == [default_only.pk]
