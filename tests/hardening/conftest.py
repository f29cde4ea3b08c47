"""Fixtures for the hostile-input tests: an account, tokens, and counts of everything a request could write."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import Account, AccountDomain, Contact, Outcome
from playbooks.models import Task
from scoring.models import Observation, Override
from support.models import ApiToken, Ticket
from tests.factories import AccountFactory

WRITTEN = (Account, AccountDomain, Contact, Outcome, Observation, Ticket, Task, Override)


@pytest.fixture
def acme(scoring_setup) -> Account:
    return AccountFactory(external_id="acme", name="Acme Inc")


@pytest.fixture
def ingest_key(db) -> str:
    return ApiToken.generate(name="ingest", scope_ingest=True, scope_read=True)[1]


@pytest.fixture
def api(ingest_key) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {ingest_key}")
    return client


@pytest.fixture
def row_counts():
    """row_counts() -> the number of rows of every model a request could write (compare before/after)."""

    def counts() -> dict[str, int]:
        return {model.__name__: model.objects.count() for model in WRITTEN}

    return counts
