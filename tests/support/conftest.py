from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from support.models import ApiToken
from tests.factories import AccountFactory


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@pytest.fixture
def api(db) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {ApiToken.generate(name='i', scope_ingest=True)[1]}")
    return client


@pytest.fixture
def acme(scoring_setup):
    return AccountFactory(external_id="acme", name="Acme Inc")


@pytest.fixture
def scored():
    import datetime as dt

    from scoring.models import AccountScore, ScoreModelVersion
    from tests.api.samples import COMPONENTS

    def make(account, *, score=43.2, tier="red", trend="gradual_decline"):
        return AccountScore.objects.create(
            account=account, score=score, raw_tier=tier, tier=tier, trend=trend, delta_30=-12.5,
            model_version=ScoreModelVersion.objects.get(status="published"),
            computed_at=dt.datetime(2026, 11, 20, 6, tzinfo=dt.UTC), components=COMPONENTS,
        )  # fmt: skip

    return make
