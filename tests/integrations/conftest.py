"""Helpdesk deliveries as the vendors send them: documented example payloads (fixtures/, each naming
the page it comes from), signed the way each vendor signs, posted to /integrations/<id>/webhook."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from pathlib import Path

import pytest
import time_machine

from accounts.models import Account, AccountDomain, Contact
from integrations.models import Integration
from scoring.models import AccountScore, Observation, SignalDefinition
from scoring.services import scores_recompute
from tests.factories import AccountFactory

FIXTURES = Path(__file__).parent / "fixtures"
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)
SECRET = "dGhpcyBpcyBhIHNpZ25pbmcgc2VjcmV0"


def fixture(name: str) -> tuple[bytes, dict[str, str]]:
    """The body bytes (as the vendor would serialise them) and the extra headers of a fixture."""
    data = json.loads((FIXTURES / name).read_text())
    assert data["_source"], f"{name} must name the documentation it comes from"
    return body_bytes(data["body"]), dict(data.get("headers", {}))


def body_bytes(body) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def zendesk_headers(body: bytes, *, secret: str = SECRET, at: dt.datetime = NOW) -> dict[str, str]:
    stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    digest = hmac.new(secret.encode(), stamp.encode() + body, hashlib.sha256).digest()
    return {
        "X-Zendesk-Webhook-Signature": base64.b64encode(digest).decode(),
        "X-Zendesk-Webhook-Signature-Timestamp": stamp,
        "X-Zendesk-Webhook-Id": "01GK8E6BKWMJZD2T8Y5AXJQMG5",
        "User-Agent": "Zendesk Webhook",
    }


def intercom_headers(body: bytes, *, secret: str = SECRET) -> dict[str, str]:
    return {"X-Hub-Signature": "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()}


def helpscout_headers(body: bytes, *, event: str, secret: str = SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha1).digest()
    return {"X-HelpScout-Signature": base64.b64encode(digest).decode(), "X-HelpScout-Event": event}


def basic_headers(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(scoring_setup) -> Account:
    """Acme (domain acme.com, a contact with an internationalised address), scored from good values."""
    acme = AccountFactory(external_id="acme", name="Acme Inc")
    AccountDomain.objects.create(account=acme, domain="acme.com")
    Contact.objects.create(account=acme, name="Zoe Müller", email="zoe.müller1@acme.com")
    rows = []
    for signal in SignalDefinition.objects.filter(active=True):
        for days in range(0, 28, 3):
            rows.append(
                Observation(
                    account=acme, signal=signal, value=signal.good_value, observed_at=NOW - dt.timedelta(days=days, hours=1),
                    source="test", idempotency_key=f"t|{acme.pk}|{signal.key}|{days}",
                )
            )  # fmt: skip
    Observation.objects.bulk_create(rows)
    scores_recompute(account_ids=[acme.pk], now=NOW - dt.timedelta(minutes=30))
    return acme


def score_of(account: Account) -> float:
    return AccountScore.objects.get(account=account).score


def support_values(account: Account) -> dict[str, float]:
    rows = Observation.objects.filter(account=account, source="tickets").select_related("signal")
    return {o.signal.key: o.value for o in rows}


@pytest.fixture
def make_integration(db):
    def make(vendor: str, *, secret: str = SECRET, **extra) -> Integration:
        return Integration.objects.create(vendor=vendor, name=f"{vendor} test", secret=secret, **extra)

    return make


@pytest.fixture
def deliver(client, django_capture_on_commit_callbacks):
    """POST raw bytes with headers to an integration's webhook; the re-score runs on commit."""

    def post(integration: Integration, body: bytes, headers: dict[str, str]):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                f"/integrations/{integration.public_id}/webhook", data=body, content_type="application/json",
                headers=headers,
            )  # fmt: skip

    return post


@pytest.fixture
def make_client():
    from rest_framework.test import APIClient

    def make(key: str) -> APIClient:
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        return api

    return make


@pytest.fixture
def api_client_ingest(db, make_client):
    from support.models import ApiToken

    return make_client(ApiToken.generate(name="ingest", scope_ingest=True, scope_read=True)[1])
