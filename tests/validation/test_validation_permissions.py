from __future__ import annotations

import pytest
from django.urls import reverse

from scoring.models import ScoreModelVersion


@pytest.fixture
def draft(mini):
    return ScoreModelVersion.objects.create(model=mini.version.model, number=2, status="draft")


@pytest.mark.parametrize(
    ("persona", "status"),
    [("ops", 200), ("manager", 200), ("alice", 403), ("bob", 403), ("support", 403), ("nobody", 403)],
)
def test_it_shows_the_validation_and_preview_pages_to_managers_and_ops_only(client, personas, draft, persona, status):
    client.force_login(personas[persona])
    assert client.get(reverse("scoring:validation")).status_code == status
    assert client.get(reverse("scoring:preview", args=[draft.pk])).status_code == status


@pytest.mark.parametrize("persona", ["manager", "alice", "support", "nobody"])
def test_it_lets_only_ops_create_drafts_and_publish(client, personas, draft, persona):
    client.force_login(personas[persona])
    assert client.post(reverse("scoring:suggest"), {"version": draft.model.published_version().pk}).status_code == 403
    assert client.post(reverse("scoring:publish", args=[draft.pk])).status_code == 403
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert ScoreModelVersion.objects.filter(status="draft").count() == 1


def test_it_sends_anonymous_visitors_to_the_login_page(client, draft):
    for url in (reverse("scoring:validation"), reverse("scoring:preview", args=[draft.pk])):
        response = client.get(url)
        assert response.status_code == 302 and reverse("login") in response["Location"]
    response = client.post(reverse("scoring:publish", args=[draft.pk]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_it_refuses_get_on_actions_and_previews_only_drafts(client, ops, draft, mini):
    client.force_login(ops)
    assert client.get(reverse("scoring:suggest")).status_code == 405
    assert client.get(reverse("scoring:publish", args=[draft.pk])).status_code == 405
    assert client.get(reverse("scoring:preview", args=[mini.version.pk])).status_code == 404
