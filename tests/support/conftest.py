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
