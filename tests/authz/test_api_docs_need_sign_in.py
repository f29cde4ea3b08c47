"""#12 item 5: /api/schema/ and /api/docs/ need a signed-in person or an API token."""

from __future__ import annotations

import pytest

from support.models import ApiToken

DOCS = ("/api/schema/", "/api/docs/")


@pytest.mark.parametrize("path", DOCS)
def test_it_refuses_anonymous_visitors(client, path, db):
    assert client.get(path).status_code == 401


@pytest.mark.parametrize("path", DOCS)
def test_it_refuses_a_user_without_a_role(client, path, nobody):
    client.force_login(nobody)
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", DOCS)
def test_it_serves_people_with_a_role(client, path, support):
    client.force_login(support)
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("path", DOCS)
@pytest.mark.parametrize("scopes", [{"scope_read": True}, {"scope_read": False, "scope_ingest": True}])
def test_it_serves_api_tokens(client, path, scopes, db):
    key = ApiToken.generate(name="t", **scopes)[1]
    assert client.get(path, HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
