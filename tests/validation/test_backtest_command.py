from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from tests.validation.conftest import outcome_world

FIGURE_KEYS = {"numerator", "denominator", "value", "enough"}


def _run(*args) -> str:
    out = StringIO()
    call_command("backtest", *args, stdout=out)
    return out.getvalue()


def test_it_prints_the_report_as_json(mini):
    outcome_world(mini.version, timezone.localdate() - timedelta(days=10))
    data = json.loads(_run("--json"))

    assert set(data) >= {"period", "mode", "version", "outcomes", "recall", "precision", "lead_time",
                         "renewal_by_tier", "renewal_by_band", "auc", "auc_by_horizon", "intervention_success",
                         "suggested_weights"}
    assert data["mode"] == "recorded" and data["version"] is None
    assert data["outcomes"] == {"churned": 10, "renewed": 10}
    assert set(data["recall"]) == {"90", "60", "30", "14"}
    assert set(data["recall"]["90"]) == {"red", "red_or_yellow"}
    assert set(data["recall"]["90"]["red"]) == FIGURE_KEYS
    assert set(data["precision"]) == {"90", "180"}
    assert set(data["precision"]["90"]) == {"all", "intervened", "not_intervened"}
    assert set(data["lead_time"]) >= {"count", "churned", "no_warning", "enough", "q1", "median", "q3", "histogram"}
    assert set(data["renewal_by_tier"]) == {"green", "yellow", "red"}
    assert set(data["renewal_by_tier"]["green"]) == {"figure", "expected", "meets"}
    assert len(data["renewal_by_band"]) == 10
    assert set(data["auc"]) == {"value", "positives", "negatives", "enough"}
    assert set(data["auc_by_horizon"]) == {"90", "60", "30", "14"}
    assert set(data["intervention_success"]) == FIGURE_KEYS
    # 90 days before: every account scored 80 (green); 10 of 20 renewed.
    assert data["renewal_by_tier"]["green"]["figure"] == {"numerator": 10, "denominator": 20, "value": 0.5, "enough": True}
    assert data["auc"] == {"value": 0.5, "positives": 10, "negatives": 10, "enough": True}
    [suggestion] = data["suggested_weights"]
    assert suggestion["version"]["id"] == mini.version.pk and suggestion["enough"] is True
    assert suggestion["signals"][0]["key"] == "x"


def test_it_rescores_with_a_model_version_and_prints_text(mini):
    outcome_world(mini.version, timezone.localdate() - timedelta(days=10))
    data = json.loads(_run("--json", "--model-version", str(mini.version.pk)))
    assert data["mode"] == "rescored" and data["version"]["id"] == mini.version.pk
    text = _run()
    assert "Recall" in text and "ROC AUC at 90 days: 0.5" in text and "Suggested weights" in text
