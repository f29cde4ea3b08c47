"""The queue pages through long queues in priority order, keeping the filters in the page links."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from playbooks.models import Task
from playbooks.views import PAGE_SIZE
from tests.ui.test_query_counts import make_book  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def task_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'id="task-(\d+)"', html)]


def test_it_pages_in_priority_order_without_gaps_or_repeats(client, alice, make_book):  # noqa: F811
    make_book(3 * PAGE_SIZE, "pg")  # every fifth task is unassigned: alice has 2.4 pages
    client.force_login(alice)
    expected = list(Task.objects.filter(assignee=alice, status="open").values_list("pk", flat=True))
    assert 2 * PAGE_SIZE < len(expected) < 3 * PAGE_SIZE
    seen = []
    for number in (1, 2, 3):
        html = client.get(reverse("playbooks:queue"), {"page": number}).content.decode()
        ids = task_ids(html)
        assert len(ids) == min(PAGE_SIZE, len(expected) - (number - 1) * PAGE_SIZE)
        seen += ids
    assert sorted(seen) == sorted(expected) and len(set(seen)) == len(seen)
    # Work order holds across the page boundaries: all are high severity here, so overdue
    # first, then by due day (the book's due times are an hour apart, so days never go back).
    due = dict(Task.objects.filter(pk__in=seen).values_list("pk", "due_at"))
    days = [due[pk].date() for pk in seen]
    assert days == sorted(days)


def test_it_keeps_the_filters_in_the_page_links(client, alice, make_book):  # noqa: F811
    make_book(3 * PAGE_SIZE, "pf")
    client.force_login(alice)
    html = client.get(reverse("playbooks:queue"), {"due": "week", "page": 1}).content.decode()
    assert re.search(r'href="[^"]*\?(?=[^"]*due=week)(?=[^"]*page=2)[^"]*"', html), "next-page link keeps due=week"
