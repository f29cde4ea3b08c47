from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from scoring.models import AuditEvent, CategoryWeight, ScoreModelVersion, SignalWeight
from scoring.validation_preview import preview_build
from tests.validation.conftest import outcome_world


@pytest.fixture
def history(mini):
    outcome_world(mini.version, timezone.localdate() - timedelta(days=10))
    return mini


def test_it_creates_a_draft_holding_the_suggested_weights_in_one_click(client, ops, history):
    client.force_login(ops)
    response = client.post(reverse("scoring:suggest"), {"version": history.version.pk})

    draft = ScoreModelVersion.objects.get(status="draft")
    assert response.status_code == 302
    assert response["Location"] == reverse("scoring:preview", args=[draft.pk])
    assert draft.number == 2 and draft.model == history.version.model
    # No fitted weights (identical sub-scores 90 days before); frequency shares x = 1, y = z = 0
    # (see test_suggested_weights), as percentages.
    signal_weights = dict(SignalWeight.objects.filter(version=draft).values_list("signal__key", "weight"))
    assert signal_weights == {"x": 100.0, "y": 0.0, "z": 0.0}
    category_weights = dict(CategoryWeight.objects.filter(version=draft).values_list("category", "weight"))
    assert category_weights == {"usage": 100.0, "support": 0.0, "relationship": 0.0}
    # The published version is untouched.
    assert dict(SignalWeight.objects.filter(version=history.version).values_list("signal__key", "weight")) == {
        "x": 1, "y": 1, "z": 1
    }
    assert AuditEvent.objects.filter(action="suggested_weights", object_id=str(draft.pk)).exists()
    assert "Suggested weights" in draft.notes


def test_it_shows_the_draft_effective_shares_in_the_preview(client, ops, history):
    client.force_login(ops)
    client.post(reverse("scoring:suggest"), {"version": history.version.pk})
    draft = ScoreModelVersion.objects.get(status="draft")
    weights = {w["key"]: w["draft"] for w in preview_build(draft=draft, now=timezone.now())["weights"]}
    assert weights == {"x": pytest.approx(1.0), "y": 0.0, "z": 0.0}


def test_it_refuses_a_draft_when_outcomes_are_too_few(client, ops, mini):
    client.force_login(ops)
    response = client.post(reverse("scoring:suggest"), {"version": mini.version.pk}, follow=True)
    assert not ScoreModelVersion.objects.filter(status="draft").exists()
    assert "Too few outcomes" in response.content.decode()


def test_it_publishes_the_draft_from_the_preview_page(client, ops, history):
    client.force_login(ops)
    client.post(reverse("scoring:suggest"), {"version": history.version.pk})
    draft = ScoreModelVersion.objects.get(status="draft")

    page = client.get(reverse("scoring:preview", args=[draft.pk]))
    assert page.status_code == 200
    assert reverse("scoring:publish", args=[draft.pk]) in page.content.decode()

    response = client.post(reverse("scoring:publish", args=[draft.pk]))
    assert response.status_code == 302
    draft.refresh_from_db()
    history.version.refresh_from_db()
    assert draft.status == "published" and history.version.status == "retired"
    assert AuditEvent.objects.filter(action="publish", object_id=str(draft.pk)).exists()
