"""API fixtures: tokens with each scope, a client that sends one, and a scored account."""

from __future__ import annotations

import pytest
import time_machine
from django.core.cache import cache
from rest_framework.test import APIClient

from support.models import ApiToken
from tests.api.samples import COMPONENTS, INGEST_NOW
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
def frozen_now():
    """Freeze the clock at INGEST_NOW (observations more than 5 minutes after it are 'in the future')."""
    with time_machine.travel(INGEST_NOW, tick=False):
        yield


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




@pytest.fixture
def scored():
    """Create an AccountScore shaped per the shared components contract."""
    import datetime as dt

    from scoring.models import AccountScore, ScoreModelVersion

    def make(account, *, score=43.2, tier="red", trend="gradual_decline", components=None):
        return AccountScore.objects.create(
            account=account, score=score, raw_tier=tier, tier=tier, trend=trend, delta_7=-3.0, delta_30=-12.5,
            delta_90=None, model_version=ScoreModelVersion.objects.get(status="published"),
            computed_at=dt.datetime(2026, 11, 20, 6, 0, tzinfo=dt.UTC), components=components or COMPONENTS,
        )  # fmt: skip

    return make
