"""The sidebar apps' server side: the keyed badge, the Intercom Inbox app (Canvas Kit), badge links."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re

import pytest
import time_machine

from integrations.models import Integration
from scoring.models import AccountScore
from support.models import ApiToken
from tests.factories import AccountFactory
from tests.integrations.conftest import NOW, SECRET

pytestmark = pytest.mark.django_db
REQUESTER = "zoe.müller1@acme.com"


@pytest.fixture
def keyed(world):
    integration = Integration(vendor="zendesk", name="Zendesk", secret=SECRET)
    key = integration.sidebar_key_generate()
    integration.save()
    return integration, key


def test_the_sidebar_badge_answers_the_requesters_badge_to_the_apps_key(client, keyed, world):
    integration, key = keyed
    url = f"/integrations/{integration.public_id}/badge"
    response = client.get(url, {"email": REQUESTER}, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200
    badge = response.json()
    score = AccountScore.objects.get(account=world)
    assert (badge["found"], badge["account"]["external_id"], badge["tier"]) == (True, "acme", score.tier)


@pytest.mark.parametrize("header", ["", "Bearer hsapp_wrong", "Basic Zm9vOmJhcg=="])
def test_the_sidebar_badge_refuses_anything_but_the_apps_key(client, keyed, header):
    integration, _ = keyed
    response = client.get(f"/integrations/{integration.public_id}/badge", {"email": REQUESTER},
                          headers={"Authorization": header} if header else {})  # fmt: skip
    assert response.status_code == 401 and "account" not in response.json()


def test_an_api_token_is_not_a_sidebar_key(client, keyed):
    integration, _ = keyed
    token = ApiToken.generate(name="reader", scope_read=True)[1]
    response = client.get(f"/integrations/{integration.public_id}/badge", {"email": REQUESTER},
                          headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert response.status_code == 401


def _canvas_post(client, integration, body: dict, secret: str = SECRET):
    raw = json.dumps(body).encode()
    signature = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return client.post(f"/integrations/{integration.public_id}/intercom/canvas", data=raw,
                       content_type="application/json", headers={"X-Body-Signature": signature})  # fmt: skip


# The initialize request of an Inbox app (https://developers.intercom.com/docs/canvas-kit): workspace,
# admin, conversation and the contact being viewed.
INITIALIZE = {
    "workspace_id": "abc123de", "workspace_region": "us",
    "admin": {"id": "814860", "type": "admin", "name": "Mark Strong", "email": "mk@acmeinc.org"},
    "card_creation_options": {}, "context": {"location": "inbox", "locale": "en"},
    "conversation": {"id": "147000012345", "type": "conversation"},
    "contact": {"type": "user", "id": "5bc8f7421ae2d96695c18a", "email": REQUESTER, "name": "Zoe Müller"},
}  # fmt: skip


def test_the_intercom_inbox_app_answers_a_canvas_with_the_badge(client, make_integration, world):
    integration = make_integration("intercom")
    response = _canvas_post(client, integration, INITIALIZE)
    assert response.status_code == 200
    components = response.json()["canvas"]["content"]["components"]
    score = AccountScore.objects.get(account=world)
    assert components[0] == {"type": "text", "text": f"*{score.get_tier_display()} {int(score.score)}*", "style": "header"}
    assert {"type": "text", "text": "Acme Inc", "style": "muted"} in components
    assert components[-1]["action"]["url"].endswith("/accounts/acme/")


def test_the_intercom_inbox_app_refuses_an_unsigned_request(client, make_integration, world):
    integration = make_integration("intercom")
    assert _canvas_post(client, integration, INITIALIZE, secret="other").status_code == 401


def test_a_badge_link_is_minted_with_a_chosen_lifetime_and_expires(client, api_client_ingest, world):
    response = api_client_ingest.post("/api/v1/badge-links/", {"account": "acme", "lifetime_seconds": 7 * 86400},
                                      format="json")  # fmt: skip
    assert response.status_code == 201, response.json()
    assert response.json()["expires_at"] == "2026-11-27T12:00:00Z"
    path = response.json()["url"].split("://", 1)[1].split("/", 1)[1]
    with time_machine.travel(NOW + dt.timedelta(days=6), tick=False):
        answer = client.get(f"/{path}&format=json")
        assert answer.status_code == 200 and answer.json()["account"]["external_id"] == "acme", answer.json()
    with time_machine.travel(NOW + dt.timedelta(days=7, seconds=1), tick=False):
        assert client.get(f"/{path}&format=json").status_code == 403


def test_a_restricted_token_mints_links_for_its_own_account_only(world, make_client):
    AccountFactory(external_id="globex", name="Globex")
    key = ApiToken.generate(name="acme only", scope_read=True, account=world)[1]
    api = make_client(key)
    assert api.post("/api/v1/badge-links/", {"account": "globex"}, format="json").status_code == 403
    assert api.post("/api/v1/badge-links/", {"account": "acme"}, format="json").status_code == 201


def test_cs_ops_mint_a_badge_link_in_the_admin(client, ops, world):
    client.force_login(ops)
    response = client.post("/admin/integrations/integration/badge-link/",
                           {"account": "acme", "lifetime": 86400, "custom_seconds": ""})  # fmt: skip
    assert response.status_code == 200
    url = re.search(r"<code>([^<]+)</code>", response.content.decode())[1]
    assert "/badge/acme?sig=" in url.replace("&amp;", "&")
