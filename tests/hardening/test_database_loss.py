"""Issue #12 item 4: a lost or refusing database answers 503 — JSON on the API, a plain page on HTML —
never an HTML 500 or a traceback.

Real failures, not mocks: on PostgreSQL the test's own server connection is terminated
(``pg_terminate_backend``) or pointed at a port nobody listens on; on SQLite the connection is pointed
at a file that cannot be opened. The driver raises its own error each time.
"""

from __future__ import annotations

import contextlib
import socket

import psycopg
import pytest
from django.db import OperationalError, connection
from django.test import RequestFactory

from healthscore.errors import server_error
from support.models import ApiToken
from tests.factories import AccountFactory

# Losing the connection ends any transaction a test runs in: these tests commit (and flush after).
transactional = pytest.mark.django_db(transaction=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again on exit: connecting to it is refused


@contextlib.contextmanager
def database_refusing(tmp_path):
    """Until exit, every new connection of the default database is refused (the current one is dropped)."""
    settings = connection.settings_dict
    saved = dict(settings)
    if connection.vendor == "postgresql":
        connection.close()
        settings["HOST"], settings["PORT"] = "127.0.0.1", str(_free_port())
        held = None
    else:  # the in-memory test database must survive: keep its connection object aside
        connection.ensure_connection()
        held = connection.connection
        connection.connection = None
        settings["NAME"] = str(tmp_path / "no-such-directory" / "db.sqlite3")
    try:
        yield
    finally:
        if connection.vendor == "postgresql":
            connection.close()
        settings.clear()
        settings.update(saved)
        if held is not None:
            connection.connection = held
        connection.errors_occurred = False


def database_lost(tmp_path) -> contextlib.AbstractContextManager:
    """The connection in use dies now: terminated by the server (PostgreSQL), or refused (SQLite)."""
    if connection.vendor != "postgresql":
        return database_refusing(tmp_path)

    @contextlib.contextmanager
    def terminated():
        connection.ensure_connection()
        pid = connection.connection.info.backend_pid
        s = connection.settings_dict
        with psycopg.connect(
            host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432, user=s["USER"], password=s["PASSWORD"] or None,
            dbname=s["NAME"], autocommit=True,
        ) as admin:
            assert admin.execute("SELECT pg_terminate_backend(%s, 5000)", [pid]).fetchone()[0]
        try:
            yield
        finally:
            connection.close()  # the dead connection; the next query reconnects

    return terminated()


@pytest.fixture
def key(scoring_setup) -> str:
    AccountFactory(external_id="acme")
    return ApiToken.generate(name="reader", scope_ingest=True, scope_read=True)[1]


def _assert_json_503(response):
    assert response.status_code == 503, response.content[:300]
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "The database is unavailable; retry in a moment."}
    assert response["Retry-After"] == "30"


@transactional
def test_the_api_answers_json_503_when_the_database_refuses(client, key, tmp_path):
    with database_refusing(tmp_path):
        response = client.get("/api/v1/accounts/acme/health", HTTP_AUTHORIZATION=f"Bearer {key}")
    _assert_json_503(response)
    # And it recovers once the database is back.
    assert client.get("/api/v1/accounts/acme/health", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200


@transactional
def test_the_api_answers_json_503_when_the_connection_dies_mid_request(client, key, tmp_path, monkeypatch):
    """The token is checked, then the connection dies before the account is read."""
    import support.api.health as health

    lost = contextlib.ExitStack()

    def dying(**kwargs):
        lost.enter_context(database_lost(tmp_path))
        return real(**kwargs)

    real = health.account_health
    monkeypatch.setattr(health, "account_health", dying)
    with lost:
        response = client.get("/api/v1/accounts/acme/health", HTTP_AUTHORIZATION=f"Bearer {key}")
    _assert_json_503(response)


@transactional
def test_an_ingest_write_answers_json_503_and_is_not_half_saved(client, key, tmp_path):
    body = {"items": [{"account": "acme", "signal": "weekly_logins", "value": 3, "observed_at": "2026-01-05T00:00:00Z"}]}
    with database_lost(tmp_path):
        response = client.post("/api/v1/observations/", body, content_type="application/json",
                               HTTP_AUTHORIZATION=f"Bearer {key}")
    _assert_json_503(response)
    from scoring.models import Observation

    assert Observation.objects.count() == 0


@transactional
def test_pages_answer_a_plain_503_page_when_the_database_refuses(client, tmp_path):
    with database_refusing(tmp_path):
        response = client.post("/login/", {"username": "csm", "password": "demo"})
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert "<h1>Service unavailable</h1>" in body
    assert "Traceback" not in body


def test_handler500_maps_what_escapes_the_views_too():
    """A database error raised in a middleware reaches handler500, which answers 503 as well."""
    factory = RequestFactory()
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        api = server_error(factory.get("/api/v1/accounts/acme/health"))
        page = server_error(factory.get("/queue/"))
    assert (api.status_code, api["Content-Type"]) == (503, "application/json")
    assert (page.status_code, page["Content-Type"]) == (503, "text/html; charset=utf-8")


@pytest.mark.django_db
def test_an_unexpected_api_error_answers_json_not_a_traceback(client, key, monkeypatch):
    import support.api.health as health

    def broken(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(health, "account_health", broken)
    client.raise_request_exception = False
    response = client.get("/api/v1/accounts/acme/health", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 500
    assert response.json() == {"detail": "Server error."}
