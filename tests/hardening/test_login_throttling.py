"""Issue #12 item 5: login throttling (django-axes, counts in the shared cache) and password validators.

Before: 40 wrong passwords, then the right one, logged in — on /login/ and on the admin alike —
and ``password`` was an acceptable password.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone

pytestmark = pytest.mark.django_db

LOGINS = {"login page": "/login/", "admin": "/admin/login/"}


@pytest.mark.parametrize("url", LOGINS.values(), ids=LOGINS.keys())
def test_40_wrong_passwords_then_the_right_one_does_not_log_in(client, ops, url):
    statuses = [client.post(url, {"username": "ops", "password": f"guess-{i}"}).status_code for i in range(40)]

    response = client.post(url, {"username": "ops", "password": "pw"})

    assert statuses[: settings.AXES_FAILURE_LIMIT - 1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert set(statuses[settings.AXES_FAILURE_LIMIT :]) == {429}
    assert response.status_code == 429
    assert b"Too many failed sign-ins" in response.content
    assert SESSION_KEY not in client.session
    assert client.get("/queue/").status_code == 302  # still signed out


def test_the_lockout_is_per_username_and_address_and_ends_after_the_cooloff(client, ops, alice):
    for i in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": "ops", "password": f"guess-{i}"})
    assert client.post("/login/", {"username": "ops", "password": "pw"}).status_code == 429
    # Another person from the same address is not locked out by someone else's guesses.
    assert client.post("/login/", {"username": "alice", "password": "pw"}).status_code == 302
    client.logout()
    with time_machine.travel(timezone.now() + settings.AXES_COOLOFF_TIME + dt.timedelta(seconds=5)):
        response = client.post("/login/", {"username": "ops", "password": "pw"})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(ops.pk)


def test_a_right_password_before_the_limit_logs_in_and_resets_the_count(client, ops):
    for i in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post("/login/", {"username": "ops", "password": f"guess-{i}"})
    assert client.post("/login/", {"username": "ops", "password": "pw"}).status_code == 302
    client.logout()
    for i in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post("/login/", {"username": "ops", "password": f"again-{i}"})
    assert client.post("/login/", {"username": "ops", "password": "pw"}).status_code == 302


@pytest.mark.parametrize("weak", ["password", "12345678901", "ops", "short1!"])
def test_weak_passwords_are_refused(ops, weak):
    with pytest.raises(ValidationError):
        validate_password(weak, user=ops)
    form = AdminPasswordChangeForm(ops, {"password1": weak, "password2": weak})
    assert not form.is_valid()


def test_a_long_uncommon_password_is_accepted(ops):
    validate_password("granite-Harbour-1984-tulip", user=ops)
