"""A filtered list pushes its URL without the filter form's empty fields."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

QUEUE_HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "queue-results"}
PORTFOLIO_HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "portfolio-results"}


@pytest.fixture
def red_task(alice, team, make_score, make_task):
    account = AccountFactory(name="Redwood", owner=alice, team=team)
    make_score(account, 30)
    return make_task(account, assignee=alice)


def test_it_pushes_the_queue_filter_url_without_empty_fields(client, alice, red_task):
    client.force_login(alice)
    response = client.get(reverse("playbooks:queue") + "?who=&tier=red&playbook=&due=&q=", **QUEUE_HX)
    assert response.status_code == 200
    assert response["HX-Push-Url"] == "/queue/?tier=red"
    assert ">Redwood</a>" in response.content.decode()


def test_it_keeps_every_non_empty_field_and_the_page(client, alice, red_task):
    client.force_login(alice)
    response = client.get(reverse("playbooks:queue") + "?who=&tier=red&due=overdue&q=wood&page=1", **QUEUE_HX)
    assert response["HX-Push-Url"] == "/queue/?tier=red&due=overdue&q=wood&page=1"


def test_it_pushes_the_bare_queue_url_when_every_field_is_empty(client, alice, red_task):
    client.force_login(alice)
    response = client.get(reverse("playbooks:queue") + "?who=&tier=&playbook=&due=&q=+", **QUEUE_HX)
    assert response["HX-Push-Url"] == "/queue/"


def test_it_links_pages_and_refreshes_the_count_without_empty_fields(client, alice, red_task):
    client.force_login(alice)
    html = client.get(reverse("playbooks:queue") + "?who=&tier=red&playbook=&due=&q=", **QUEUE_HX).content.decode()
    assert 'hx-get="/queue/?tier=red"' in html


def test_it_pushes_nothing_when_the_count_refreshes_itself(client, alice, red_task):
    client.force_login(alice)
    response = client.get(reverse("playbooks:queue") + "?tier=red", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="queue-count")
    assert response.status_code == 200
    assert "HX-Push-Url" not in response


def test_it_pushes_nothing_for_a_full_page_load(client, alice, red_task):
    client.force_login(alice)
    response = client.get(reverse("playbooks:queue") + "?who=&tier=red")
    assert "HX-Push-Url" not in response


def test_it_pushes_the_portfolio_filter_url_without_empty_fields(client, manager, team, make_score):
    make_score(AccountFactory(name="Alpha", team=team), 35)
    client.force_login(manager)
    url = reverse("accounts:portfolio") + "?q=&tier=red&trend=&segment=&owner=&renewal=&status=&arr_min=&arr_max=&sort=-arr"
    response = client.get(url, **PORTFOLIO_HX)
    assert response.status_code == 200
    assert response["HX-Push-Url"] == "/accounts/?tier=red&sort=-arr"
    # Sort headers keep the filters but not the empty fields either.
    assert 'href="?tier=red&sort=name"' in response.content.decode()
