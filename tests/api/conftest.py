"""API fixtures: tokens with each scope, a client that sends one, and a scored account."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from support.models import ApiToken
from tests.factories import AccountFactory


@pytest.fixture(autouse=True)
def _clear_throttle_cache():
    cache.clear()
    yield
    cache.clear()


def _client(key: str | None) -> APIClient:
    client = APIClient()
    if key:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def ingest_key(db) -> str:
    return ApiToken.generate(name="ingest", scope_ingest=True, scope_read=True)[1]


@pytest.fixture
def read_key(db) -> str:
    return ApiToken.generate(name="reader", scope_ingest=False, scope_read=True)[1]


@pytest.fixture
def api(ingest_key) -> APIClient:
    """A client with an ingest + read token."""
    return _client(ingest_key)


@pytest.fixture
def reader(read_key) -> APIClient:
    return _client(read_key)


@pytest.fixture
def anon() -> APIClient:
    return _client(None)


@pytest.fixture
def make_client():
    return _client


@pytest.fixture
def acme(scoring_setup):
    return AccountFactory(external_id="acme", name="Acme Inc")
