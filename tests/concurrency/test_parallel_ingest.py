"""Parallel ingests on PostgreSQL (threads with their own connections, the recompute and triggers run
inline as a worker would run them): exactly one of each effect, and every response tells the truth."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from scoring.models import AccountScore, IngestCount
from tests._parallel import run_parallel
from tests.concurrency.conftest import ACCOUNTS

pytestmark = pytest.mark.django_db(transaction=True)


def _post(key: str, url: str, body):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client.post(url, body, format="json")


def _ok(responses) -> None:
    errors = [r for r in responses if isinstance(r, BaseException)]
    assert not errors, errors
    assert all(r.status_code < 500 for r in responses), [r.content for r in responses]


def test_ten_parallel_identical_batches_store_and_act_once(world):
    batch = world.batch()
    responses = run_parallel(10, lambda i: _post(world.key, "/api/v1/observations/", batch))
    _ok(responses)
    bodies = sorted(((r.status_code, r.json()["created"], r.json()["duplicates"]) for r in responses), reverse=True)
    assert bodies == [(201, ACCOUNTS, 0)] + [(200, 0, ACCOUNTS)] * 9, bodies
    assert world.effects() == {"observations today": ACCOUNTS, "change-log entries": ACCOUNTS, "tasks": ACCOUNTS,
                               "alerts": 2 * ACCOUNTS}
    assert IngestCount.totals()["api"] == ACCOUNTS
    assert set(AccountScore.objects.values_list("tier", flat=True)) == {"red"}


def test_ten_parallel_identical_webhooks_store_the_ticket_once(world):
    body = {"ticket": {"id": 4242, "subject": "SSO broken", "status": "open", "requester": {"email": "fox@acme.com"},
                       "created_at": world.now.isoformat(), "updated_at": world.now.isoformat(), "tags": []}}
    responses = run_parallel(10, lambda i: _post(world.key, "/api/v1/tickets/zendesk/", body))
    _ok(responses)
    from support.models import Ticket

    assert Ticket.objects.filter(external_id="4242").count() == 1
    created = sorted((r.status_code, r.json()["tickets"][0]["created"]) for r in responses)
    assert created == [(200, False)] * 9 + [(201, True)], created
