"""Admin action: create a draft holding the backtest's suggested weights."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from scoring.models import CategoryWeight, ScoreModelVersion, SignalWeight
from tests.validation.conftest import mini, outcome_world  # noqa: F401 (the three-signal model fixture)

URL = reverse("admin:scoring_scoremodelversion_changelist")


def _act(client, version: ScoreModelVersion, **period):
    """The action asks for the period first, then creates the draft."""
    form = client.post(URL, {"action": "draft_from_suggestion", "_selected_action": [version.pk]})
    assert form.status_code == 200 and "Outcomes of which period" in form.content.decode()
    assert not ScoreModelVersion.objects.filter(status="draft").exists()
    data = {"action": "draft_from_suggestion", "_selected_action": [version.pk], "apply": "1"}
    return client.post(URL, data | {k: v.isoformat() for k, v in period.items()}, follow=True)


def test_it_creates_a_draft_with_the_suggested_weights(client, ops, mini):  # noqa: F811
    outcome_world(mini.version, timezone.localdate() - timedelta(days=10))
    client.force_login(ops)

    response = _act(client, mini.version)

    draft = ScoreModelVersion.objects.get(status="draft")
    assert "with the weights suggested by the backtest of v1" in response.content.decode()
    assert (draft.model, draft.number, draft.created_by) == (mini.version.model, 2, ops)
    # Frequency shares x = 1, y = z = 0 (tests/validation/test_suggested_weights), as percentages.
    assert dict(SignalWeight.objects.filter(version=draft).values_list("signal__key", "weight")) == {
        "x": 100.0, "y": 0.0, "z": 0.0
    }
    assert dict(CategoryWeight.objects.filter(version=draft).values_list("category", "weight")) == {
        "usage": 100.0, "support": 0.0, "relationship": 0.0
    }


def test_it_honours_the_chosen_period_of_a_book_that_ended_long_ago(client, ops, mini):  # noqa: F811
    # The outcomes are 400 days old: the default period (last 365 days) has none of them.
    outcome_day = timezone.localdate() - timedelta(days=400)
    outcome_world(mini.version, outcome_day)
    client.force_login(ops)
    response = _act(client, mini.version)
    assert "Too few outcomes" in response.content.decode()
    assert not ScoreModelVersion.objects.filter(status="draft").exists()
    _act(client, mini.version, start=outcome_day - timedelta(days=30), end=outcome_day + timedelta(days=5))
    draft = ScoreModelVersion.objects.get(status="draft")
    assert SignalWeight.objects.get(version=draft, signal__key="x").weight == 100.0
    assert "outcomes " + (outcome_day - timedelta(days=30)).isoformat() in draft.notes


def test_it_reports_too_few_outcomes_as_an_error(client, ops, mini):  # noqa: F811
    client.force_login(ops)
    response = _act(client, mini.version)
    assert not ScoreModelVersion.objects.filter(status="draft").exists()
    page = response.content.decode()
    assert "Too few outcomes" in page and 'class="error"' in page
