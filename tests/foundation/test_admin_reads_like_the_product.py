"""The admin reads like the product (#16): branding, API tokens, weights as shares, read-only published
versions with a Clone button, a publish confirmation with the preview's summary, audit diffs."""

from __future__ import annotations

import pytest
from django.urls import reverse

from scoring.models import AuditEvent, ScoreModelVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client, ops):
    client.force_login(ops)
    return client


def test_it_is_branded_and_names_api_tokens_properly(admin):
    html = admin.get(reverse("admin:index")).content.decode()
    assert "Healthscore administration" in html and "Django administration" not in html
    assert "API tokens" in html and "Api tokens" not in html


def test_a_published_version_has_no_save_buttons_but_a_clone_button_and_shows_shares(admin, scoring_setup):
    html = admin.get(reverse("admin:scoring_scoremodelversion_change", args=[scoring_setup.version.pk])).content.decode()
    assert 'name="_save"' not in html and 'name="_continue"' not in html
    assert "Clone as new draft" in html and reverse("admin:scoring_version_clone", args=[scoring_setup.version.pk]) in html
    assert "Share" in html and "%" in html


def test_the_clone_button_creates_a_draft_and_opens_it(admin, scoring_setup):
    response = admin.post(reverse("admin:scoring_version_clone", args=[scoring_setup.version.pk]))
    draft = ScoreModelVersion.objects.get(status="draft")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:scoring_scoremodelversion_change", args=[draft.pk])


def test_publish_asks_first_with_the_preview_summary_then_publishes(admin, scoring_setup):
    admin.post(reverse("admin:scoring_version_clone", args=[scoring_setup.version.pk]))
    draft = ScoreModelVersion.objects.get(status="draft")
    url = reverse("admin:scoring_scoremodelversion_changelist")
    response = admin.post(url, {"action": "publish", "_selected_action": [draft.pk]})
    html = response.content.decode()
    assert response.status_code == 200 and f"Publish {draft}?" in html and "What changes:" in html
    assert "would change tier" in html
    draft.refresh_from_db()
    assert draft.status == "draft"  # nothing changed yet
    admin.post(url, {"action": "publish", "_selected_action": [draft.pk], "confirm": "yes"})
    draft.refresh_from_db()
    assert draft.status == "published"


def test_the_audit_log_shows_before_and_after_as_a_diff(admin, ops, scoring_setup):
    event = AuditEvent.objects.create(actor=ops, action="update", object_repr="weekly_logins",
                                      before={"good_value": 10, "label": "Logins"}, after={"good_value": 12, "label": "Logins"})
    html = admin.get(reverse("admin:scoring_auditevent_change", args=[event.pk])).content.decode()
    assert '<td class="before">10</td><td class="after">12</td>' in html
    assert "<th scope=\"row\">label</th>" not in html  # unchanged fields are left out
