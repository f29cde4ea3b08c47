"""Two people act on one task at once: exactly one wins, the row never mixes their actions, and the
loser is told who won and when (409 in the queue)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from playbooks import task_actions
from playbooks.models import Task
from tests._parallel import run_parallel

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def task(alice, alice_account, make_task) -> Task:
    return make_task(alice_account, assignee=alice)


@pytest.mark.django_db
def test_it_refuses_a_dismiss_made_from_a_stale_copy_of_a_completed_task(alice, manager, task):
    mine, theirs = Task.objects.get(pk=task.pk), Task.objects.get(pk=task.pk)  # both loaded while open
    now = timezone.now()
    task_actions.task_complete(task=mine, actor=manager, note="Called them", now=now)
    with pytest.raises(task_actions.TaskConflict) as caught:
        task_actions.task_dismiss(task=theirs, actor=alice, reason="Duplicate", now=now)
    assert caught.value.messages[0].startswith("Already completed by manager at ")
    task.refresh_from_db()
    assert (task.status, task.closed_by, task.outcome_note, task.dismiss_reason) == ("done", manager, "Called them", "")


@pytest.mark.django_db
def test_it_refuses_a_snooze_from_a_stale_copy_of_a_dismissed_task(alice, task):
    stale = Task.objects.get(pk=task.pk)
    now = timezone.now()
    task_actions.task_dismiss(task=Task.objects.get(pk=task.pk), actor=alice, reason="Duplicate", now=now)
    with pytest.raises(task_actions.TaskConflict):
        task_actions.task_snooze(task=stale, actor=alice, until=timezone.localdate(now) + dt.timedelta(days=2), now=now)
    task.refresh_from_db()
    assert task.status == "dismissed" and task.snoozed_until is None


@pytest.mark.django_db
def test_it_keeps_both_ticks_of_the_checklist_made_from_stale_copies(alice, task):
    task.step.checklist = "Call\nEmail\nBook QBR"
    task.step.save()
    first, second = Task.objects.get(pk=task.pk), Task.objects.get(pk=task.pk)
    now = timezone.now()
    task_actions.task_check(task=first, actor=alice, item=0, done=True, now=now)
    task_actions.task_check(task=second, actor=alice, item=2, done=True, now=now)
    task.refresh_from_db()
    assert sorted(task.checklist_done) == ["Book QBR", "Call"] and task.started_at is not None


def test_it_lets_exactly_one_of_ten_parallel_completes_and_dismisses_win(needs_postgresql, team, alice, manager, task):
    """10 people press at once (5 complete, 5 dismiss): one 200, nine 409 naming the winner."""

    def act(i: int):
        client = Client()
        client.force_login(manager if i % 2 else alice)
        if i % 2:
            return client.post(reverse("playbooks:task_complete", args=[task.pk]), {"note": f"note {i}"}, **HX)
        return client.post(reverse("playbooks:task_dismiss", args=[task.pk]), {"reason": f"reason {i}"}, **HX)

    responses = run_parallel(10, act)
    assert not [r for r in responses if isinstance(r, BaseException)], responses
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * 9, codes
    task.refresh_from_db()
    winner = next(i for i, r in enumerate(responses) if r.status_code == 200)
    if winner % 2:
        assert (task.status, task.outcome_note, task.dismiss_reason, task.closed_by) == ("done", f"note {winner}", "", manager)
        said = f"Already completed by {manager.username} at "
    else:
        assert (task.status, task.outcome_note, task.dismiss_reason, task.closed_by) == ("dismissed", "", f"reason {winner}", alice)
        said = f"Already dismissed by {alice.username} at "
    for response in responses:
        if response.status_code == 409:
            assert response.content.decode().startswith(said), response.content
