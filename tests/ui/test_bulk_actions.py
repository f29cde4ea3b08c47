from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from playbooks.models import Task
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "queue-results"}


@pytest.fixture
def three(alice, team, make_score, make_task) -> list[Task]:
    tasks = []
    for name in ("One", "Two", "Three"):
        account = AccountFactory(name=name, owner=alice, team=team)
        make_score(account, 45)
        tasks.append(make_task(account, assignee=alice))
    return tasks


def test_it_bulk_completes_and_rerenders_the_list_with_the_same_filters(client, alice, three):
    client.force_login(alice)
    response = client.post(
        reverse("playbooks:bulk"),
        {"action": "complete", "task": [three[0].pk, three[1].pk], "note": "QBR sweep", "q": "T"},
        **HX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and html.lstrip().startswith('<section id="queue-results"')
    assert ">Three</a>" in html and ">One</a>" not in html and ">Two</a>" not in html
    assert json.loads(response["HX-Trigger"])["tasks-changed"]["count"] == 2
    statuses = dict(Task.objects.values_list("pk", "status"))
    assert statuses == {three[0].pk: "done", three[1].pk: "done", three[2].pk: "open"}
    assert set(Task.objects.filter(status="done").values_list("outcome_note", "closed_by")) == {("QBR sweep", alice.pk)}


def test_it_bulk_snoozes(client, alice, three):
    client.force_login(alice)
    until = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    response = client.post(reverse("playbooks:bulk"), {"action": "snooze", "task": [t.pk for t in three], "until": until}, **HX)
    assert response.status_code == 200
    assert Task.objects.filter(status="snoozed").count() == 3
    assert "0 open tasks" in response.content.decode()


def test_it_refuses_a_bulk_snooze_in_the_past_inline(client, alice, three):
    client.force_login(alice)
    until = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    response = client.post(reverse("playbooks:bulk"), {"action": "snooze", "task": [three[0].pk], "until": until}, **HX)
    assert response.status_code == 422
    assert "The snooze date must be in the future." in response.content.decode()
    assert Task.objects.filter(status="open").count() == 3


def test_it_asks_to_select_tasks_first(client, alice, three):
    client.force_login(alice)
    response = client.post(reverse("playbooks:bulk"), {"action": "complete"}, **HX)
    assert response.status_code == 422 and "Select some tasks first." in response.content.decode()


def test_it_refuses_the_whole_bulk_when_one_task_is_not_yours(client, alice, bob, three, bob_account, make_task):
    foreign = make_task(bob_account, assignee=bob)
    client.force_login(alice)
    response = client.post(reverse("playbooks:bulk"), {"action": "complete", "task": [three[0].pk, foreign.pk]}, **HX)
    assert response.status_code == 403
    assert Task.objects.filter(status="done").count() == 0


def test_it_refuses_bulk_to_support(client, support, three):
    client.force_login(support)
    response = client.post(reverse("playbooks:bulk"), {"action": "complete", "task": [three[0].pk]}, **HX)
    assert response.status_code == 403
