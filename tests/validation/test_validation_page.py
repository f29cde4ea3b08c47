from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from tests.validation.conftest import outcome_world


def test_it_renders_the_report_charts_and_suggestion(client, manager, ops, mini):
    outcome_world(mini.version, timezone.localdate() - timedelta(days=10))
    client.force_login(manager)
    html = client.get(reverse("scoring:validation")).content.decode()

    assert "Does the score predict churn?" in html
    assert html.count("<svg") == 3  # renewal bands, lead time, the model's threshold curve
    assert "Suggested thresholds" in html
    assert "Renewal rate per score band, 90 days before the outcome" in html
    assert "10 churned, 10 renewed" in html.replace("outcomes: ", "")
    assert "Suggested weights" in html and "Usage X" in html
    # 90 days before, all 20 accounts were green: 10/20 renewed.
    assert "50%</strong> <span class=\"muted\">(10/20)" in html
    # Managers read; only CS ops get the button.
    assert "Create a draft with the frequency weights" not in html
    client.force_login(ops)
    assert "Create a draft with the frequency weights" in client.get(reverse("scoring:validation")).content.decode()


def test_it_says_too_few_outcomes_on_an_empty_history(client, manager, mini):
    client.force_login(manager)
    html = client.get(reverse("scoring:validation")).content.decode()
    assert "too few (0/0)" in html
    assert "Too few outcomes to suggest weights" in html
