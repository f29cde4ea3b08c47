from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def test_it_shows_a_csm_their_open_tasks_with_badge_reasons_and_due(client, alice, alice_account, make_task):
    make_task(alice_account, assignee=alice, due_in_hours=-30)
    client.force_login(alice)
    response = client.get(reverse("playbooks:queue"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and 'id="queue-results"' in html
    assert "Acme Corp" in html and "Call the champion" in html
    assert 'class="badge tier-red"' in html and ">42<" in html
    assert 'data-trend="rapid_decline"' in html and "rotate(90 6 6)" in html
    assert "Logins per week low" in html and "NPS response stale" in html
    assert "Third reason" not in html  # only the top two reasons
    assert "overdue 1 d" in html or "overdue 2 d" in html


def test_it_does_not_show_other_peoples_or_closed_tasks(client, alice, bob, alice_account, bob_account, make_task):
    make_task(bob_account, assignee=bob)
    make_task(alice_account, assignee=alice, status="done")
    client.force_login(alice)
    html = client.get(reverse("playbooks:queue")).content.decode()
    assert "Bobcat" not in html
    assert "0 open tasks" in html


def test_it_shows_snoozed_tasks_again_once_the_snooze_ran_out(client, alice, alice_account, make_task):
    from django.utils import timezone

    make_task(alice_account, assignee=alice, status="snoozed", snoozed_until=timezone.now() - dt.timedelta(hours=1))
    make_task(alice_account, assignee=alice, step_order=2, status="snoozed",
              snoozed_until=timezone.now() + dt.timedelta(days=2))
    client.force_login(alice)
    html = client.get(reverse("playbooks:queue")).content.decode()
    assert "Call the champion" in html
    assert "Exec sponsor email" not in html


def test_it_orders_by_severity_then_overdue_then_due_then_arr(client, alice, team, make_task, make_score, checkin):
    low_arr = AccountFactory(name="Small", owner=alice, team=team, arr=1000)
    big_arr = AccountFactory(name="Big", owner=alice, team=team, arr=900000)
    overdue = AccountFactory(name="Late", owner=alice, team=team, arr=10)
    medium = AccountFactory(name="Medium sev", owner=alice, team=team, arr=10_000_000)
    for account in (low_arr, big_arr, overdue, medium):
        make_score(account, 40)
    make_task(low_arr, assignee=alice, due_in_hours=10)
    make_task(big_arr, assignee=alice, due_in_hours=10)
    make_task(overdue, assignee=alice, due_in_hours=-5)
    make_task(medium, assignee=alice, pb=checkin, due_in_hours=-50)
    client.force_login(alice)
    html = client.get(reverse("playbooks:queue")).content.decode()
    positions = [html.index(f">{name}</a>") for name in ("Late", "Big", "Small", "Medium sev")]
    assert positions == sorted(positions)


@pytest.mark.parametrize("who", ["support", "nobody"])
def test_it_refuses_the_queue_to_people_without_tasks(client, personas, who):
    client.force_login(personas[who])
    assert client.get(reverse("playbooks:queue")).status_code == 403


def test_it_sends_anonymous_visitors_to_log_in(client, db):
    response = client.get(reverse("playbooks:queue"))
    assert response.status_code == 302 and "/login/" in response["Location"]
