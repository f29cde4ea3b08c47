"""A Python client generated from /api/schema/ with openapi-python-client works unmodified: every endpoint
module imports, observations are pushed as JSON, and the health is read back (#13).

The client talks to the app in-process (httpx's WSGI transport), inside the test's transaction."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import pkgutil
import subprocess
import sys

import httpx
import pytest
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections

from scoring.models import Observation
from tests.api.samples import INGEST_NOW

pytestmark = pytest.mark.django_db
PACKAGE = "hs_generated_client"


@pytest.fixture
def generated(tmp_path, reader, monkeypatch):
    response = reader.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = tmp_path / "schema.json"
    schema.write_bytes(response.content)
    config = tmp_path / "config.yaml"
    config.write_text("post_hooks: []\n")  # no formatter run: the generated code is used as generated
    result = subprocess.run(
        [sys.executable, "-m", "openapi_python_client", "generate", "--path", str(schema), "--meta", "none",
         "--output-path", str(tmp_path / PACKAGE), "--config", str(config)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    monkeypatch.syspath_prepend(str(tmp_path))
    yield importlib.import_module(PACKAGE)
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
        del sys.modules[name]


@pytest.fixture
def in_process():
    """Like Django's test client: the in-process requests must not close the test's connection (it holds
    the test's transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_the_schema_advertises_json_request_bodies_only(reader):
    schema = json.loads(reader.get("/api/schema/?format=json").content)
    bodies = [op["requestBody"] for path in schema["paths"].values() for op in path.values() if "requestBody" in op]
    assert bodies and all(set(body["content"]) == {"application/json"} for body in bodies)


def test_a_generated_client_pushes_observations_and_reads_health(
    generated, acme, ingest_key, frozen_now, django_capture_on_commit_callbacks, in_process
):
    modules = [m.name for m in pkgutil.walk_packages(generated.__path__, f"{PACKAGE}.")]
    for name in modules:  # every endpoint module imports (no NameError: Unset)
        importlib.import_module(name)
    assert sum(".api." in m for m in modules) >= 11

    from hs_generated_client.api.v1 import account_health, observations_create
    from hs_generated_client.client import AuthenticatedClient
    from hs_generated_client.models import (
        ObservationBatchCreateApiDocInputRequest,
        ObservationItemRequest,
    )

    client = AuthenticatedClient(base_url="http://testserver", token=ingest_key)
    client.set_httpx_client(
        httpx.Client(base_url="http://testserver", transport=httpx.WSGITransport(app=get_wsgi_application()),
                     headers={"Authorization": f"Bearer {ingest_key}"})
    )  # fmt: skip
    at = INGEST_NOW - dt.timedelta(hours=1)
    body = ObservationBatchCreateApiDocInputRequest(
        items=[ObservationItemRequest(account="acme", signal="weekly_logins", value=12.0, observed_at=at),
               ObservationItemRequest(account="acme", signal="open_tickets", value=2.0, observed_at=at)]
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):  # the re-score runs once the write commits
        response = observations_create.sync_detailed(client=client, body=body)
    assert response.status_code == 201, response.content
    assert response.headers["content-type"].startswith("application/json")
    assert response.parsed.created == 2
    assert Observation.objects.filter(account=acme).count() == 2

    health = account_health.sync_detailed("acme", client=client)
    assert health.status_code == 200, health.content
    assert health.parsed.account.external_id == "acme"
    assert health.parsed.has_score is True and health.parsed.score is not None
