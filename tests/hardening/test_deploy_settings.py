"""Issue #12 item 5: security settings secure by default when DEBUG is off, each overridable from the
environment by its Django name; ``manage.py check --deploy`` clean with only DEBUG, SECRET_KEY and
ALLOWED_HOSTS set.

Each case runs Django in a fresh process with a clean environment: the test session itself runs with
tests/_env.py's plain-HTTP overrides.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from healthscore.env import env_header_pair

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k7Qx-2mVb9_ZpL4rT8wYc1NfHj6SdGa3Ue5Ro0Ki-XqWnBvMtPlCzAy"
MINIMAL = {"DEBUG": "false", "SECRET_KEY": STRONG_KEY, "ALLOWED_HOSTS": "health.example.com"}
NAMES = [
    "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
    "SECURE_CONTENT_TYPE_NOSNIFF", "SECURE_REFERRER_POLICY", "X_FRAME_OPTIONS", "AUTH_PASSWORD_VALIDATORS",
]


def _django(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"), **env}
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120)


def _settings(env: dict[str, str]) -> dict:
    script = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {NAMES!r}}}))"
    )
    result = _django(["-c", script], {"DJANGO_SETTINGS_MODULE": "healthscore.settings", **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_gives_no_warning_with_only_debug_secret_key_and_allowed_hosts():
    result = _django(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], MINIMAL)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_debug_off_is_secure_by_default():
    values = _settings(MINIMAL)
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] == 31_536_000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is values["SECURE_HSTS_PRELOAD"] is True
    assert values["SESSION_COOKIE_SECURE"] is values["CSRF_COOKIE_SECURE"] is values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] is None
    assert values["X_FRAME_OPTIONS"] == "DENY"
    validators = {v["NAME"].rsplit(".", 1)[1] for v in values["AUTH_PASSWORD_VALIDATORS"]}
    assert {"CommonPasswordValidator", "MinimumLengthValidator", "NumericPasswordValidator"} <= validators


def test_each_setting_is_overridden_by_the_variable_of_its_name():
    values = _settings(MINIMAL | {
        "SECURE_SSL_REDIRECT": "false", "SECURE_HSTS_SECONDS": "3600", "SECURE_HSTS_PRELOAD": "false",
        "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https", "SESSION_COOKIE_SECURE": "off",
        "CSRF_COOKIE_SECURE": "0", "SECURE_REFERRER_POLICY": "strict-origin",
    })
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 3600
    assert values["SECURE_HSTS_PRELOAD"] is False
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SESSION_COOKIE_SECURE"] is values["CSRF_COOKIE_SECURE"] is False
    assert values["SECURE_REFERRER_POLICY"] == "strict-origin"


def test_debug_on_relaxes_the_defaults_for_local_http():
    values = _settings({"DEBUG": "true"})
    assert values["SECURE_SSL_REDIRECT"] is values["SESSION_COOKIE_SECURE"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0


def test_a_malformed_value_stops_start_up_naming_the_variable():
    result = _django(["manage.py", "check"], MINIMAL | {"SECURE_HSTS_SECONDS": "a year"})
    assert result.returncode != 0
    assert "SECURE_HSTS_SECONDS='a year' is not a whole number" in result.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [("HTTP_X_FORWARDED_PROTO,https", ("HTTP_X_FORWARDED_PROTO", "https")), (" HTTP_X_SCHEME , https ", ("HTTP_X_SCHEME", "https")),
     ("none", None)],
)
def test_the_proxy_header_is_read_as_a_header_value_pair(monkeypatch, text, expected):
    monkeypatch.setenv("SECURE_PROXY_SSL_HEADER", text)
    assert env_header_pair("SECURE_PROXY_SSL_HEADER", None) == expected


@pytest.mark.parametrize("text", ["X-Forwarded-Proto: https", "HTTP_X_FORWARDED_PROTO", "x_forwarded_proto,https"])
def test_a_malformed_proxy_header_is_refused(monkeypatch, text):
    monkeypatch.setenv("SECURE_PROXY_SSL_HEADER", text)
    with pytest.raises(ImproperlyConfigured, match="SECURE_PROXY_SSL_HEADER"):
        env_header_pair("SECURE_PROXY_SSL_HEADER", None)


@pytest.mark.django_db
def test_a_request_over_plain_http_is_redirected_when_the_default_applies(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/login/")
    assert (response.status_code, response["Location"]) == (301, "https://testserver/login/")
    assert client.get("/healthz").status_code == 200  # probes stay on HTTP
