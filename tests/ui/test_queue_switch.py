from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_it_lets_a_manager_open_a_csms_queue(client, manager, alice, alice_account, make_task):
    make_task(alice_account, assignee=alice)
    client.force_login(manager)
    html = client.get(reverse("playbooks:queue"), {"who": alice.pk}).content.decode()
    assert "alice&#x27;s queue" in html or "alice's queue" in html
    assert ">Acme Corp</a>" in html


def test_it_lets_a_manager_open_the_teams_unassigned_queue(client, manager, alice, alice_account, bob_account, make_task):
    make_task(alice_account, assignee=None)
    make_task(bob_account, assignee=bob_account.owner)
    client.force_login(manager)
    html = client.get(reverse("playbooks:queue"), {"who": "unassigned"}).content.decode()
    assert "Team&#x27;s unassigned queue" in html or "Team's unassigned queue" in html
    assert ">Acme Corp</a>" in html and "Bobcat" not in html


def test_it_keeps_a_csm_on_their_own_queue_whatever_the_url_says(client, alice, bob, bob_account, make_task):
    make_task(bob_account, assignee=bob)
    client.force_login(alice)
    html = client.get(reverse("playbooks:queue"), {"who": bob.pk}).content.decode()
    assert "My queue" in html and "Bobcat" not in html
    html = client.get(reverse("playbooks:queue"), {"who": "unassigned"}).content.decode()
    assert "Bobcat" not in html
