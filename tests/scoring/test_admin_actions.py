"""Admin actions on model versions: clone as new draft, publish."""

from __future__ import annotations

from django.urls import reverse

from scoring.models import AuditEvent, ScoreModelVersion

URL = reverse("admin:scoring_scoremodelversion_changelist")


def _act(client, action: str, version: ScoreModelVersion, **extra):
    return client.post(URL, {"action": action, "_selected_action": [version.pk], **extra}, follow=True)


def test_it_clones_and_publishes_from_the_admin(client, ops, scoring_setup, django_capture_on_commit_callbacks):
    client.force_login(ops)
    v1 = scoring_setup.version
    response = _act(client, "clone_as_draft", v1)
    assert "Created" in response.content.decode()
    draft = ScoreModelVersion.objects.get(status="draft")
    assert draft.number == 2 and draft.created_by == ops
    # Publish asks first (the preview's summary) and changes nothing until confirmed.
    response = _act(client, "publish", draft)
    assert f"Publish {draft}?" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft"
    with django_capture_on_commit_callbacks(execute=True):
        response = _act(client, "publish", draft, confirm="yes")
    assert "Published" in response.content.decode()
    v1.refresh_from_db()
    draft.refresh_from_db()
    assert (v1.status, draft.status) == ("retired", "published")
    assert set(AuditEvent.objects.values_list("action", flat=True)) >= {"clone", "publish", "retire"}


def test_it_refuses_to_publish_a_published_version_from_the_admin(client, ops, scoring_setup):
    client.force_login(ops)
    response = _act(client, "publish", scoring_setup.version)
    assert "Only a draft can be published" in response.content.decode()
    assert ScoreModelVersion.objects.get().status == "published"
