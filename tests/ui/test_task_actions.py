from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from playbooks.models import Task

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def task(alice, alice_account, make_task) -> Task:
    return make_task(alice_account, assignee=alice)


def tomorrow() -> str:
    return (timezone.localdate() + dt.timedelta(days=1)).isoformat()


def test_it_completes_a_task_with_a_note_and_triggers_the_counters(client, alice, task):
    client.force_login(alice)
    response = client.post(reverse("playbooks:task_complete", args=[task.pk]), {"note": "Spoke to Dana, plan agreed"}, **HX)
    assert response.status_code == 200
    assert response.content == b""  # the row leaves the list
    assert json.loads(response["HX-Trigger"])["tasks-changed"]["action"] == "complete"
    task.refresh_from_db()
    assert task.status == "done" and task.outcome_note == "Spoke to Dana, plan agreed"
    assert task.closed_by == alice and task.closed_at is not None


def test_it_completes_without_htmx_by_redirecting_to_the_queue(client, alice, task):
    client.force_login(alice)
    response = client.post(reverse("playbooks:task_complete", args=[task.pk]), {"note": ""})
    assert response.status_code == 302 and response["Location"] == reverse("playbooks:queue")
    task.refresh_from_db()
    assert task.status == "done"


def test_it_snoozes_until_a_future_date(client, alice, task):
    client.force_login(alice)
    response = client.post(reverse("playbooks:task_snooze", args=[task.pk]), {"until": tomorrow()}, **HX)
    assert response.status_code == 200 and "tasks-changed" in response["HX-Trigger"]
    task.refresh_from_db()
    assert task.status == "snoozed"
    assert timezone.localtime(task.snoozed_until).date() == timezone.localdate() + dt.timedelta(days=1)
    assert task.closed_at is None


@pytest.mark.parametrize("until", [lambda: timezone.localdate().isoformat(),
                                   lambda: (timezone.localdate() - dt.timedelta(days=3)).isoformat()])
def test_it_refuses_a_snooze_date_in_the_past_inline(client, alice, task, until):
    client.force_login(alice)
    response = client.post(reverse("playbooks:task_snooze", args=[task.pk]), {"until": until()}, **HX)
    assert response.status_code == 422
    html = response.content.decode()
    assert html.lstrip().startswith('<article class="task') and f'id="task-{task.pk}"' in html
    assert "<html" not in html
    assert "The snooze date must be in the future." in html
    assert "<details class=\"act\" open>" in html.replace("\n", "")
    assert "HX-Trigger" not in response
    task.refresh_from_db()
    assert task.status == "open"


def test_it_refuses_a_snooze_without_a_date(client, alice, task):
    client.force_login(alice)
    response = client.post(reverse("playbooks:task_snooze", args=[task.pk]), {"until": ""}, **HX)
    assert response.status_code == 422 and "Choose the date to snooze until." in response.content.decode()


def test_it_dismisses_with_a_reason(client, alice, task):
    client.force_login(alice)
    response = client.post(reverse("playbooks:task_dismiss", args=[task.pk]), {"reason": "Duplicate of the QBR task"}, **HX)
    assert response.status_code == 200
    task.refresh_from_db()
    assert task.status == "dismissed" and task.dismiss_reason == "Duplicate of the QBR task"
    assert task.closed_by == alice


def test_it_refuses_an_empty_dismiss_reason_inline(client, alice, task):
    client.force_login(alice)
    response = client.post(reverse("playbooks:task_dismiss", args=[task.pk]), {"reason": "   "}, **HX)
    assert response.status_code == 422
    html = response.content.decode()
    assert "Say why this task is dismissed." in html and "<html" not in html
    task.refresh_from_db()
    assert task.status == "open"


def test_it_reassigns_to_a_teammate(client, alice, bob, task):
    client.force_login(alice)
    response = client.post(reverse("playbooks:task_reassign", args=[task.pk]), {"assignee": bob.pk}, **HX)
    assert response.status_code == 200
    task.refresh_from_db()
    assert task.assignee == bob


def test_it_reassigns_to_the_teams_unassigned_queue(client, alice, team, task):
    client.force_login(alice)
    client.post(reverse("playbooks:task_reassign", args=[task.pk]), {"assignee": ""}, **HX)
    task.refresh_from_db()
    assert task.assignee is None and task.team == team


def test_it_refuses_to_reassign_outside_the_team(client, alice, support, task):
    client.force_login(alice)
    response = client.post(reverse("playbooks:task_reassign", args=[task.pk]), {"assignee": support.pk}, **HX)
    assert response.status_code == 422
    assert "You can only hand tasks to people on your team." in response.content.decode()
    task.refresh_from_db()
    assert task.assignee == alice


def test_it_refuses_to_act_on_a_closed_task_saying_who_closed_it(client, alice, bob, task):
    bob.first_name, bob.last_name = "Bob", "Lee"
    bob.save()
    closed_at = timezone.make_aware(dt.datetime(2026, 11, 26, 9, 14))
    Task.objects.filter(pk=task.pk).update(status="done", closed_by=bob, closed_at=closed_at, outcome_note="Called")
    client.force_login(alice)
    response = client.post(reverse("playbooks:task_dismiss", args=[task.pk]), {"reason": "x"}, **HX)
    assert response.status_code == 409
    assert response.content.decode() == "Already completed by Bob Lee at 09:14 on 26 Nov 2026."
    assert json.loads(response["HX-Trigger"])["task-conflict"]["task"] == task.pk
    task.refresh_from_db()
    assert (task.status, task.dismiss_reason, task.outcome_note) == ("done", "", "Called")


def test_it_tells_a_plain_form_post_who_closed_the_task(client, alice, task):
    Task.objects.filter(pk=task.pk).update(status="dismissed", closed_at=timezone.now(), dismiss_reason="Dup")
    client.force_login(alice)
    response = client.post(reverse("playbooks:task_complete", args=[task.pk]), {"note": "x"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("playbooks:queue")
    assert "Already dismissed by Healthscore at" in response.content.decode()


@pytest.mark.parametrize("action", ["task_complete", "task_snooze", "task_dismiss", "task_reassign"])
def test_it_forbids_another_csm_from_acting(client, bob, task, action):
    client.force_login(bob)
    response = client.post(reverse(f"playbooks:{action}", args=[task.pk]),
                           {"note": "x", "until": tomorrow(), "reason": "x", "assignee": bob.pk}, **HX)
    assert response.status_code == 403
    task.refresh_from_db()
    assert task.status == "open" and task.assignee_id != bob.pk


@pytest.mark.parametrize("who", ["support", "nobody"])
def test_it_forbids_read_only_and_roleless_users(client, personas, task, who):
    client.force_login(personas[who])
    response = client.post(reverse("playbooks:task_complete", args=[task.pk]), {"note": "x"}, **HX)
    assert response.status_code == 403
    task.refresh_from_db()
    assert task.status == "open"


def test_it_lets_the_team_manager_act_on_a_csms_task(client, manager, task):
    client.force_login(manager)
    response = client.post(reverse("playbooks:task_complete", args=[task.pk]), {"note": "covered for Alice"}, **HX)
    assert response.status_code == 200
    task.refresh_from_db()
    assert task.status == "done" and task.closed_by == manager


def test_it_refuses_get_on_actions(client, alice, task):
    client.force_login(alice)
    assert client.get(reverse("playbooks:task_complete", args=[task.pk])).status_code == 405
