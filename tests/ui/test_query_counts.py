"""Queue and portfolio pages run a constant, small number of queries whatever the number of rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account
from playbooks.models import Task
from scoring.models import AccountScore
from tests.ui.conftest import NOW, components

pytestmark = pytest.mark.django_db
MAX_QUERIES = 12


@pytest.fixture
def make_book(alice, team, playbook, scoring_setup):
    def make(n: int, prefix: str) -> None:
        accounts = Account.objects.bulk_create(
            Account(name=f"{prefix} {i:04d}", external_id=f"{prefix}-{i}", owner=alice, team=team, arr=1000 * i,
                    renewal_date=timezone.localdate() + dt.timedelta(days=i))
            for i in range(n)
        )
        AccountScore.objects.bulk_create(
            AccountScore(account=a, score=20 + i % 70, raw_tier="red", tier=["red", "yellow", "green"][i % 3],
                         model_version=scoring_setup.version, computed_at=NOW, components=components(20 + i % 70))
            for i, a in enumerate(accounts)
        )
        step = playbook.steps.get(order=1)
        Task.objects.bulk_create(
            Task(account=a, playbook=playbook, step=step, team=team, assignee=alice if i % 5 else None, title=step.title,
                 severity="high", due_at=timezone.now() + dt.timedelta(hours=i - n // 2))
            for i, a in enumerate(accounts)
        )

    return make


def count_queries(client, url: str, params: dict | None = None, **headers) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {}, **headers)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("who", "url", "params"),
    [
        ("alice", "playbooks:queue", {}),
        ("alice", "playbooks:queue", {"tier": "red", "due": "week", "q": "00"}),
        ("manager", "playbooks:queue", {"who": "unassigned"}),
        ("manager", "accounts:portfolio", {}),
        ("alice", "accounts:portfolio", {"sort": "-arr", "tier": "yellow"}),
    ],
)
def test_it_runs_the_same_few_queries_for_10_and_300_rows(client, personas, make_book, who, url, params,
                                                          django_assert_max_num_queries):
    client.force_login(personas[who])
    make_book(10, "Sm")
    small = count_queries(client, reverse(url), params)
    make_book(290, "Bk")  # 300 accounts and tasks in all
    large = count_queries(client, reverse(url), params)
    assert small == large
    with django_assert_max_num_queries(MAX_QUERIES):
        client.get(reverse(url), params)
    with django_assert_max_num_queries(MAX_QUERIES):
        client.get(reverse(url), params, HTTP_HX_REQUEST="true")
