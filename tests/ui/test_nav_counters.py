from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def counts(html: str) -> dict[str, str]:
    import re

    return dict(re.findall(r'data-count="(\w+)"[^>]*>(\d+)', html))


def test_it_counts_open_and_overdue_tasks_in_the_nav(client, alice, alice_account, make_task):
    make_task(alice_account, assignee=alice, due_in_hours=-3)
    make_task(alice_account, assignee=alice, step_order=2, due_in_hours=30)
    client.force_login(alice)
    html = client.get(reverse("playbooks:queue")).content.decode()
    assert counts(html) == {"open": "2", "overdue": "1"}


def test_it_serves_the_counters_as_a_partial_that_refreshes_on_task_changes(client, alice, alice_account, make_task):
    task = make_task(alice_account, assignee=alice, due_in_hours=-3)
    client.force_login(alice)
    response = client.get(reverse("playbooks:counters"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and 'id="nav-counts"' in html
    assert 'hx-trigger="tasks-changed from:body"' in html
    assert counts(html) == {"open": "1", "overdue": "1"}
    client.post(reverse("playbooks:task_complete", args=[task.pk]), {"note": ""}, HTTP_HX_REQUEST="true")
    assert counts(client.get(reverse("playbooks:counters")).content.decode()) == {"open": "0"}


def test_it_counts_a_managers_unassigned_team_tasks(client, manager, alice_account, make_task):
    make_task(alice_account, assignee=None)
    client.force_login(manager)
    assert counts(client.get(reverse("playbooks:counters")).content.decode()) == {"open": "0", "unassigned": "1"}


def test_it_counts_in_one_query(client, alice, alice_account, make_task, django_assert_num_queries):
    from django.utils import timezone

    from playbooks.selectors import queue_counts

    make_task(alice_account, assignee=alice)
    alice.groups.all()  # roles are cached per user object below
    from accounts.roles import roles_of

    roles_of(alice)
    with django_assert_num_queries(1):
        assert queue_counts(user=alice, now=timezone.now()) == {"open": 1, "overdue": 0, "unassigned": 0}


def test_it_refuses_counters_to_support(client, support):
    client.force_login(support)
    assert client.get(reverse("playbooks:counters")).status_code == 403


def test_it_shows_nav_links_by_role(client, personas):
    client.force_login(personas["alice"])
    html = client.get(reverse("accounts:portfolio")).content.decode()
    assert 'href="/queue/"' in html and 'href="/accounts/"' in html
    assert 'href="/dashboard/"' not in html and 'href="/admin/"' not in html
    client.force_login(personas["manager"])
    html = client.get(reverse("accounts:portfolio")).content.decode()
    assert 'href="/dashboard/"' in html and 'href="/queue/"' in html
    client.force_login(personas["support"])
    html = client.get(reverse("accounts:portfolio")).content.decode()
    assert 'id="nav-counts"' not in html and 'href="/dashboard/"' not in html and 'href="/queue/"' not in html
    client.force_login(personas["ops"])
    assert 'href="/admin/"' in client.get(reverse("accounts:portfolio")).content.decode()
