"""Four ingests for the same 40 accounts at once: four recomputes race on the same accounts (PostgreSQL)."""

from __future__ import annotations

import pytest

from scoring.models import AccountScore
from tests._parallel import run_parallel
from tests.concurrency.conftest import ACCOUNTS
from tests.concurrency.test_parallel_ingest import _ok, _post

pytestmark = pytest.mark.django_db(transaction=True)


def test_four_parallel_ingests_of_the_same_accounts_act_once(world):
    """Four different batches (four sources) for the same 40 accounts: all four are stored, and the four
    recomputes racing on the same accounts still log, open and alert each tier change once."""
    responses = run_parallel(4, lambda i: _post(world.key, "/api/v1/observations/", world.batch(source=f"src-{i}")))
    _ok(responses)
    assert [(r.status_code, r.json()["created"]) for r in responses] == [(201, ACCOUNTS)] * 4
    assert world.effects() == {"observations today": 4 * ACCOUNTS, "change-log entries": ACCOUNTS,
                               "tasks": ACCOUNTS, "alerts": 2 * ACCOUNTS}
    assert set(AccountScore.objects.values_list("tier", flat=True)) == {"red"}
