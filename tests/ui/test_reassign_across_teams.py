"""#12 item 5: ops cannot hand a task to another team's CSM (who would see it and get 404 acting on it)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from accounts.models import Team
from accounts.roles import Role
from playbooks.models import Task

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def carol(db) -> User:
    """A CSM of another team (West)."""
    user = User.objects.create_user("carol", "carol@example.com", "pw", first_name="Carol")
    user.groups.add(Group.objects.get(name=Role.CSM.value))
    Team.objects.create(name="West").members.add(user)
    return user


@pytest.fixture
def task(make_task, alice_account, alice) -> Task:
    return make_task(alice_account, assignee=alice)


def test_it_refuses_to_reassign_to_another_teams_csm(client, ops, task, carol):
    client.force_login(ops)
    response = client.post(reverse("playbooks:task_reassign", args=[task.pk]), {"assignee": carol.pk}, **HX)
    assert response.status_code == 422 and "not on this account&#x27;s team" in response.content.decode()
    assert Task.objects.get(pk=task.pk).assignee.username == "alice"


def test_it_refuses_it_in_bulk_too(client, ops, task, carol):
    client.force_login(ops)
    response = client.post(reverse("playbooks:bulk"), {"action": "reassign", "task": [task.pk], "assignee": carol.pk}, **HX)
    assert response.status_code == 422
    assert Task.objects.get(pk=task.pk).assignee.username == "alice"


def test_it_still_reassigns_within_the_accounts_team(client, ops, task, bob):
    client.force_login(ops)
    response = client.post(reverse("playbooks:task_reassign", args=[task.pk]), {"assignee": bob.pk}, **HX)
    assert response.status_code == 200
    assert Task.objects.get(pk=task.pk).assignee == bob


def test_it_offers_only_the_accounts_team_in_the_reassign_choices(client, ops, task, carol, bob):
    client.force_login(ops)
    html = client.get(reverse("playbooks:queue"), {"who": str(task.assignee_id)}).content.decode()
    row = html[html.index(f'id="task-{task.pk}"'):]
    options = row[: row.index("</select>")]
    assert f'value="{bob.pk}"' in options and f'value="{carol.pk}"' not in options
