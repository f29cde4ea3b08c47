from __future__ import annotations

import re

import pytest

from integrations.models import Integration

pytestmark = pytest.mark.django_db


def _add(client, **data):
    form = {"vendor": "helpscout", "name": "Help Scout", "active": "on", "new_secret": "", "basic_username": ""} | data
    return client.post("/admin/integrations/integration/add/", form)


def test_it_makes_a_help_scout_secret_and_shows_it_once(client, ops):
    client.force_login(ops)
    response = _add(client)
    assert response.status_code == 200
    text = response.content.decode()
    integration = Integration.objects.get()
    secret = re.search(r"secret: ([A-Za-z0-9_\-]+)", text)[1]
    assert secret == integration.secret and len(secret) <= 40  # Help Scout takes at most 40 characters
    assert "no-store" in response["Cache-Control"] and secret not in str(response.cookies)
    assert integration.sidebar_key_hash
    page = client.get(f"/admin/integrations/integration/{integration.pk}/change/").content.decode()
    assert secret not in page and "set (never shown again)" in page
    assert f"/integrations/{integration.public_id}/webhook" in page


def test_it_requires_the_pasted_zendesk_secret(client, ops):
    client.force_login(ops)
    response = _add(client, vendor="zendesk", name="Zendesk")
    assert response.status_code == 200
    assert "Paste the secret Zendesk shows you." in response.content.decode()
    assert not Integration.objects.exists()
    _add(client, vendor="zendesk", name="Zendesk", new_secret="from-zendesk")
    assert Integration.objects.get().secret == "from-zendesk"


def test_people_below_cs_ops_cannot_open_integrations(client, manager):
    manager.is_staff = True
    manager.save()
    client.force_login(manager)
    assert client.get("/admin/integrations/integration/").status_code in (302, 403)
