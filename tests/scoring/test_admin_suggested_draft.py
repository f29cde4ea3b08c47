"""Admin action: create a draft holding the backtest's suggested weights."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from scoring.models import CategoryWeight, ScoreModelVersion, SignalWeight
from tests.validation.conftest import mini, outcome_world  # noqa: F401 (the three-signal model fixture)

URL = reverse("admin:scoring_scoremodelversion_changelist")


def _act(client, version: ScoreModelVersion):
    return client.post(URL, {"action": "draft_from_suggestion", "_selected_action": [version.pk]}, follow=True)


def test_it_creates_a_draft_with_the_suggested_weights(client, ops, mini):  # noqa: F811
    outcome_world(mini.version, timezone.localdate() - timedelta(days=10))
    client.force_login(ops)

    response = _act(client, mini.version)

    draft = ScoreModelVersion.objects.get(status="draft")
    assert "with the weights suggested by the backtest of v1" in response.content.decode()
    assert (draft.model, draft.number, draft.created_by) == (mini.version.model, 2, ops)
    # Suggested shares x = 1/12 + 0.75, y = z = 1/12 (tests/validation/test_suggested_weights), as percentages.
    assert dict(SignalWeight.objects.filter(version=draft).values_list("signal__key", "weight")) == {
        "x": 83.33, "y": 8.33, "z": 8.33
    }
    assert dict(CategoryWeight.objects.filter(version=draft).values_list("category", "weight")) == {
        "usage": 83.33, "support": 8.33, "relationship": 8.33
    }


def test_it_reports_too_few_outcomes_as_an_error(client, ops, mini):  # noqa: F811
    client.force_login(ops)
    response = _act(client, mini.version)
    assert not ScoreModelVersion.objects.filter(status="draft").exists()
    page = response.content.decode()
    assert "Too few outcomes" in page and 'class="error"' in page
