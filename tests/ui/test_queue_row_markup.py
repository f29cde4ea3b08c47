"""Each queue row's action forms point at its own task, and reassign offers everyone but the assignee."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def row(html: str, pk: int) -> str:
    start = html.index(f'id="task-{pk}"')
    return html[start:html.index("</article>", start)]


def test_it_points_every_row_action_at_its_own_task(client, alice, team, make_score, make_task):
    tasks = []
    for name in ("Redwood", "Rosewood"):
        account = AccountFactory(name=name, owner=alice, team=team)
        make_score(account, 30)
        tasks.append(make_task(account, assignee=alice))
    client.force_login(alice)
    html = client.get(reverse("playbooks:queue")).content.decode()
    for task in tasks:
        markup = row(html, task.pk)
        for action in ("complete", "snooze", "reassign", "dismiss"):
            url = f"/tasks/{task.pk}/{action}/"
            assert f'action="{url}" hx-post="{url}"' in markup


def test_it_offers_reassignment_to_the_team_but_not_the_assignee(client, manager, alice, bob, team, make_score, make_task):
    account = AccountFactory(name="Redwood", owner=alice, team=team)
    make_score(account, 30)
    mine, unassigned = make_task(account, assignee=alice), make_task(account, step_order=2)
    client.force_login(manager)
    for who, task in (("", None), (str(alice.pk), mine), ("unassigned", unassigned)):
        html = client.get(reverse("playbooks:queue"), {"who": who}).content.decode()
        if task is None:  # the manager's own queue is empty
            assert 'id="task-' not in html
            continue
        offered = set(re.findall(r'<option value="(\d+)">', row(html, task.pk)))
        everyone = {str(u.pk) for u in (manager, alice, bob)}
        assert offered == (everyone - {str(alice.pk)} if task.assignee_id else everyone)
