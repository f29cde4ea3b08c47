"""Working a task: guidance and checklist in the queue, started_at on the first tick, undo, the
snoozed view with Wake now, bulk reassign and dismiss."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from playbooks.models import PlaybookStep, Task

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def task(alice, alice_account, make_task, playbook) -> Task:
    playbook.description = "Escalate at once: a save plan, not a check-in email."
    playbook.save()
    PlaybookStep.objects.filter(playbook=playbook, order=1).update(
        instructions="Ask what changed; note blockers and the decision maker.")
    return make_task(alice_account, assignee=alice)


def test_the_queue_shows_the_playbook_why_the_step_how_and_a_checklist(client, alice, task):
    client.force_login(alice)
    html = client.get(reverse("playbooks:queue")).content.decode()
    assert "Escalate at once: a save plan, not a check-in email." in html
    assert "Ask what changed; note blockers and the decision maker." in html
    assert html.count('class="check-item"') == 2 and "> Note blockers and the decision maker</label>" in html


def test_the_account_page_shows_the_same_guidance(client, alice, task):
    client.force_login(alice)
    html = client.get(reverse("accounts:detail", args=["acme"])).content.decode()
    assert "Escalate at once" in html and "Ask what changed" in html and "Note blockers and the decision maker" in html


def test_an_explicit_checklist_wins_over_the_instructions():
    step = PlaybookStep(title="Call", instructions="One. Two.", checklist="- Book the call\n\n[ ] Send the recap\n")
    assert step.checklist_items() == ["Book the call", "Send the recap"]
    assert PlaybookStep(title="Call the champion").checklist_items() == ["Call the champion"]


def test_the_first_tick_starts_the_task_and_later_ticks_keep_that_time(client, alice, task):
    client.force_login(alice)
    url = reverse("playbooks:task_check", args=[task.pk])
    response = client.post(url, {"item": 0, "done": "on"}, **HX)
    assert response.status_code == 200 and f'id="task-{task.pk}"' in response.content.decode()
    task.refresh_from_db()
    started = task.started_at
    assert started is not None and task.checklist_done == ["Ask what changed"]
    client.post(url, {"item": 1, "done": "on"}, **HX)
    client.post(url, {"item": 0}, **HX)  # unticked
    task.refresh_from_db()
    assert task.started_at == started and task.checklist_done == ["Note blockers and the decision maker"]


def test_a_checklist_item_that_does_not_exist_is_refused_naming_it(client, alice, task):
    client.force_login(alice)
    response = client.post(reverse("playbooks:task_check", args=[task.pk]), {"item": 7, "done": "on"}, **HX)
    assert response.status_code == 422 and "item 8 does not exist" in response.content.decode()
    assert Task.objects.get(pk=task.pk).started_at is None


def test_completing_an_unstarted_task_records_when_work_started(client, alice, task):
    client.force_login(alice)
    client.post(reverse("playbooks:task_complete", args=[task.pk]), {"note": "done"}, **HX)
    task.refresh_from_db()
    assert task.started_at is not None and task.started_at == task.closed_at


@pytest.mark.parametrize(("action", "data"), [("complete", {"note": "x"}), ("dismiss", {"reason": "dup"}),
                                              ("snooze", {"until": "tomorrow"})])
def test_every_closing_action_offers_an_undo_that_reopens_the_task(client, alice, task, action, data):
    if data.get("until"):
        data = {"until": (timezone.localdate() + dt.timedelta(days=1)).isoformat()}
    client.force_login(alice)
    response = client.post(reverse(f"playbooks:task_{action}", args=[task.pk]), data, **HX)
    undo = json.loads(response["HX-Trigger"])["tasks-changed"]["undo"]
    assert undo == reverse("playbooks:task_undo", args=[task.pk])
    response = client.post(undo, **HX)
    assert response.status_code == 200
    task.refresh_from_db()
    assert (task.status, task.closed_at, task.closed_by, task.snoozed_until, task.dismiss_reason) == (
        "open", None, None, None, "")


def test_undo_is_refused_when_a_newer_task_for_the_step_is_live(client, alice, alice_account, task, make_task):
    client.force_login(alice)
    client.post(reverse("playbooks:task_complete", args=[task.pk]), {"note": "x"}, **HX)
    make_task(alice_account, assignee=alice)
    response = client.post(reverse("playbooks:task_undo", args=[task.pk]), **HX)
    assert response.status_code == 422 and "A newer task for this step is already open" in response.content.decode()
    assert Task.objects.get(pk=task.pk).status == "done"


def test_the_snoozed_view_lists_sleeping_tasks_and_wakes_one(client, alice, alice_account, task, make_task, checkin):
    other = make_task(alice_account, assignee=alice, pb=checkin)
    Task.objects.filter(pk=task.pk).update(status="snoozed", snoozed_until=timezone.now() + dt.timedelta(days=3))
    client.force_login(alice)
    queue = client.get(reverse("playbooks:queue")).content.decode()
    assert f'id="task-{other.pk}"' in queue and f'id="task-{task.pk}"' not in queue
    snoozed = client.get(reverse("playbooks:queue"), {"view": "snoozed"}).content.decode()
    assert f'id="task-{task.pk}"' in snoozed and f'id="task-{other.pk}"' not in snoozed
    assert "1 snoozed task" in snoozed and "Wake now" in snoozed
    response = client.post(reverse("playbooks:task_undo", args=[task.pk]), {"wake": "1"}, **HX)
    assert json.loads(response["HX-Trigger"])["tasks-changed"]["action"] == "wake"
    task.refresh_from_db()
    assert task.status == "open" and task.snoozed_until is None


def test_bulk_reassign_hands_the_selection_to_a_teammate(client, alice, bob, alice_account, task, make_task, checkin):
    other = make_task(alice_account, assignee=alice, pb=checkin)
    client.force_login(alice)
    response = client.post(reverse("playbooks:bulk"), {"action": "reassign", "task": [task.pk, other.pk], "assignee": bob.pk},
                           **HX)
    assert response.status_code == 200
    assert set(Task.objects.values_list("assignee", flat=True)) == {bob.pk}


def test_bulk_reassign_refuses_someone_outside_the_team(client, alice, alice_account, task, support):
    client.force_login(alice)
    response = client.post(reverse("playbooks:bulk"), {"action": "reassign", "task": [task.pk], "assignee": support.pk}, **HX)
    assert response.status_code == 422 and "people on your team" in response.content.decode()
    assert Task.objects.get(pk=task.pk).assignee == alice


def test_bulk_dismiss_needs_a_reason_and_then_closes_the_selection(client, alice, task):
    client.force_login(alice)
    response = client.post(reverse("playbooks:bulk"), {"action": "dismiss", "task": [task.pk], "reason": " "}, **HX)
    assert response.status_code == 422 and "Say why these tasks are dismissed." in response.content.decode()
    assert Task.objects.get(pk=task.pk).status == "open"
    client.post(reverse("playbooks:bulk"), {"action": "dismiss", "task": [task.pk], "reason": "duplicate"}, **HX)
    task.refresh_from_db()
    assert (task.status, task.dismiss_reason, task.closed_by) == ("dismissed", "duplicate", alice)
