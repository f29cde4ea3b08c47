"""Snooze limits by severity (#12): a high-severity task cannot be put off for years, nor forever."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from playbooks.models import Task

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def _in(days: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


@pytest.mark.parametrize(("severity", "allowed", "refused"), [("high", 7, 8), ("medium", 30, 31), ("low", 90, 91)])
def test_it_snoozes_up_to_the_limit_of_the_severity_and_no_further(client, alice, alice_account, make_task, severity,
                                                                     allowed, refused):
    task = make_task(alice_account, assignee=alice, severity=severity)
    client.force_login(alice)
    response = client.post(reverse("playbooks:task_snooze", args=[task.pk]), {"until": _in(refused)}, **HX)
    assert response.status_code == 422
    assert f"can be snoozed for at most {allowed} days" in response.content.decode()
    task.refresh_from_db()
    assert task.status == "open" and task.snoozed_until is None
    response = client.post(reverse("playbooks:task_snooze", args=[task.pk]), {"until": _in(allowed)}, **HX)
    assert response.status_code == 200
    task.refresh_from_db()
    assert task.status == "snoozed"


@pytest.mark.parametrize("until", ["2031-01-15", "9999-12-31"])
def test_it_refuses_a_high_task_snoozed_for_years_with_a_clear_message(client, alice, alice_account, make_task, until):
    task = make_task(alice_account, assignee=alice, severity="high")
    client.force_login(alice)
    response = client.post(reverse("playbooks:task_snooze", args=[task.pk]), {"until": until}, **HX)
    html = response.content.decode()
    assert response.status_code == 422
    latest = timezone.localdate() + dt.timedelta(days=7)
    assert f"High-severity tasks can be snoozed for at most 7 days: choose a date up to {latest.day} {latest:%b %Y}." in html
    assert Task.objects.get(pk=task.pk).status == "open"


def test_it_limits_a_bulk_snooze_by_its_most_severe_task(client, alice, alice_account, make_task, checkin):
    high = make_task(alice_account, assignee=alice, severity="high")
    low = make_task(alice_account, assignee=alice, pb=checkin, severity="low")
    client.force_login(alice)
    response = client.post(reverse("playbooks:bulk"), {"action": "snooze", "task": [high.pk, low.pk], "until": _in(20)}, **HX)
    assert response.status_code == 422 and "at most 7 days" in response.content.decode()
    assert set(Task.objects.values_list("status", flat=True)) == {"open"}


def test_it_offers_a_date_picker_bounded_by_the_limit(client, alice, alice_account, make_task):
    make_task(alice_account, assignee=alice, severity="high")
    client.force_login(alice)
    html = client.get(reverse("playbooks:queue")).content.decode()
    assert f'max="{_in(7)}"' in html and "High tasks snooze for at most 7 days." in html


@pytest.mark.parametrize(("count", "text"), [(1, "1 task updated."), (2, "2 tasks updated.")])
def test_it_says_how_many_tasks_a_bulk_action_updated_in_plain_english(client, alice, alice_account, make_task, checkin,
                                                                        count, text):
    tasks = [make_task(alice_account, assignee=alice), make_task(alice_account, assignee=alice, pb=checkin)][:count]
    client.force_login(alice)
    response = client.post(reverse("playbooks:bulk"), {"action": "complete", "task": [t.pk for t in tasks]}, follow=True)
    assert text in response.content.decode()
