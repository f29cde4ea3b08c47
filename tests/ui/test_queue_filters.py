from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "queue-results"}


@pytest.fixture
def book(alice, team, make_score, make_task, checkin):
    red = AccountFactory(name="Redwood", owner=alice, team=team)
    yellow = AccountFactory(name="Yellowstone", owner=alice, team=team)
    green = AccountFactory(name="Greenfield", owner=alice, team=team)
    make_score(red, 30)
    make_score(yellow, 60)
    make_score(green, 90)
    make_task(red, assignee=alice, due_in_hours=-48)
    make_task(yellow, assignee=alice, pb=checkin, due_in_hours=2 * 24 + 1)
    make_task(green, assignee=alice, due_in_hours=20 * 24)
    return red, yellow, green


def names(html: str) -> set[str]:
    return {n for n in ("Redwood", "Yellowstone", "Greenfield") if f">{n}</a>" in html}


def test_it_filters_by_tier_in_a_partial_without_the_layout(client, alice, book):
    client.force_login(alice)
    response = client.get(reverse("playbooks:queue"), {"tier": "yellow"}, **HX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "topbar" not in html
    assert html.lstrip().startswith('<section id="queue-results"')
    assert names(html) == {"Yellowstone"}


def test_it_renders_the_full_page_for_a_bookmarked_filtered_url(client, alice, book):
    client.force_login(alice)
    html = client.get(reverse("playbooks:queue") + "?due=overdue").content.decode()
    assert "<html" in html
    assert names(html) == {"Redwood"}
    assert '<option value="overdue" selected>' in html


def test_it_renders_the_full_page_for_an_htmx_history_restore(client, alice, book):
    client.force_login(alice)
    html = client.get(reverse("playbooks:queue"), {"tier": "red"}, HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HX).content.decode()
    assert "<html" in html and names(html) == {"Redwood"}


def test_it_filters_by_playbook_due_window_and_search(client, alice, book, checkin, playbook):
    client.force_login(alice)
    url = reverse("playbooks:queue")
    assert names(client.get(url, {"playbook": checkin.pk}, **HX).content.decode()) == {"Yellowstone"}
    assert names(client.get(url, {"playbook": playbook.pk}, **HX).content.decode()) == {"Redwood", "Greenfield"}
    assert names(client.get(url, {"due": "week"}, **HX).content.decode()) == {"Redwood", "Yellowstone"}
    assert names(client.get(url, {"due": "today"}, **HX).content.decode()) == set()
    assert names(client.get(url, {"q": "stone"}, **HX).content.decode()) == {"Yellowstone"}


def test_it_pushes_the_filter_into_the_url(client, alice, book):
    client.force_login(alice)
    html = client.get(reverse("playbooks:queue")).content.decode()
    assert 'hx-push-url="true"' in html and 'hx-target="#queue-results"' in html
    # The heading's count re-reads itself (same filters) when a task changes.
    assert 'hx-trigger="tasks-changed from:body" hx-select="#queue-count"' in html


def test_it_ignores_a_malformed_filter_instead_of_failing(client, alice, book):
    client.force_login(alice)
    response = client.get(reverse("playbooks:queue"), {"playbook": "abc", "tier": "purple"})
    assert response.status_code == 200
    assert names(response.content.decode()) == {"Redwood", "Yellowstone", "Greenfield"}
