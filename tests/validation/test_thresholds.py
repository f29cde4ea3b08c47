"""Threshold calibration: the red cut-off from recall/precision at T−30, green from renewals at T−90."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Outcome
from scoring.backtest_thresholds import calibrate_thresholds, recall_precision_curve
from scoring.models import AuditEvent, ScoreModelVersion
from scoring.validation_charts import threshold_curve_chart
from scoring.validation_thresholds import thresholds_suggest
from tests.factories import AccountFactory
from tests.validation.conftest import write_history


def _cases():
    # 20 churned scoring 30…68 (step 2) 30 days before; 40 retained scoring 50…89.
    churned = [(30 + 2 * i, True) for i in range(20)]
    retained = [(50 + i, False) for i in range(40)]
    return churned + retained


def test_the_curve_counts_cases_below_each_cut_off():
    curve = {p.cutoff: p for p in recall_precision_curve(_cases())}
    # Below 50: churned 30…48 (10), no retained → recall 0.5, precision 1.
    assert (curve[50].hits, curve[50].flagged) == (10, 10)
    assert curve[50].recall == 0.5 and curve[50].precision == 1.0
    # Below 60: churned 30…58 (15), retained 50…59 (10).
    assert (curve[60].hits, curve[60].flagged) == (15, 25)
    assert curve[60].precision == pytest.approx(0.6)
    assert curve[1].flagged == 0 and curve[1].precision is None


def test_it_suggests_the_red_cut_off_reaching_the_target_recall_at_the_best_precision():
    at_90 = [(s, "churned" if c else "renewed") for s, c in _cases()]
    result = calibrate_thresholds(at_30=_cases(), at_90=at_90, current_red=50, current_green=75, target_recall=0.7)
    # Recall ≥ 0.7 needs 14 churned below the cut-off: 30…56 → cut-off 57 (precision 14/21); higher ones lose precision.
    assert result.red == 57
    point = result.point(57)
    assert point.recall == pytest.approx(0.7) and point.precision == pytest.approx(14 / 21)
    # Green: the lowest cut-off above 57 whose next 10 points renew at ≥ 85 %: [66, 76) holds
    # 2 churned (66, 68) and 10 retained (10/12 renew); [67, 77) holds 1 churned of 11 (10/11).
    assert result.green == 67

    def band(g):
        kinds = [k for s, k in at_90 if g <= s < g + 10]
        return sum(k != "churned" for k in kinds) / len(kinds)

    assert band(result.green) >= 0.85 and band(result.green - 1) < 0.85
    assert result.enough and result.changed
    # Renewal per tier beside the guides' targets, current and suggested.
    assert result.renewal_current["green"]["expected"] == "≥ 85%"
    assert result.renewal_suggested["red"]["figure"].denominator == sum(1 for s, _ in at_90 if s < 57)


def test_it_keeps_the_current_cut_offs_when_nothing_reaches_the_target():
    # Every churned account scored 99.5: no cut-off up to 99 flags any of them.
    result = calibrate_thresholds(at_30=[(99.5, True)] * 10 + [(20.0, False)] * 10, at_90=[],
                                  current_red=50, current_green=75, target_recall=0.7)
    assert (result.red, result.green) == (50, 75)


def test_the_curve_chart_draws_both_lines_and_both_cut_offs():
    at_90 = [(s, "churned" if c else "renewed") for s, c in _cases()]
    svg = str(threshold_curve_chart(calibrate_thresholds(at_30=_cases(), at_90=at_90, current_red=50, current_green=75)))
    assert svg.startswith("<svg") and 'class="recall"' in svg and 'class="precision"' in svg
    assert "now 50" in svg and "suggested 57" in svg and "target recall 70%" in svg


@pytest.fixture
def book(mini):
    """30 churned accounts scoring 30…59 thirty days before churn, 30 renewed scoring 55…84."""
    today = timezone.localdate()
    outcome = today - timedelta(days=20)
    for i in range(30):
        for kind, level in (("churned", 30 + i), ("renewed", 55 + i)):
            account = AccountFactory(name=f"{kind} {i}")
            subs = {"x": float(level), "y": float(level), "z": float(level)}
            write_history(mini.version, account, {outcome - timedelta(days=90): subs, outcome - timedelta(days=30): subs})
            Outcome.objects.create(account=account, kind=kind, date=outcome)
    return mini


def test_it_reads_scores_30_and_90_days_before_each_outcome(book):
    result = thresholds_suggest(version=book.version, now=timezone.now())
    assert (result.churned, result.cases) == (30, 60)
    # 70 % of 30 churned = 21 → churned 30…50 below 51; no renewed account is below 55 → precision 1 from 51 to 55.
    assert result.red == 51


def test_draft_with_these_thresholds_then_on_the_draft_itself(client, ops, book):
    client.force_login(ops)
    response = client.post(reverse("scoring:suggest"), {"version": book.version.pk, "kind": "thresholds"})
    draft = ScoreModelVersion.objects.get(status="draft")
    assert response.status_code == 302 and response["Location"] == reverse("scoring:preview", args=[draft.pk])
    assert draft.yellow_threshold == 51 and draft.green_threshold > 51
    assert book.version.yellow_threshold == 50  # the published version is untouched
    assert AuditEvent.objects.filter(action="suggested_thresholds", object_id=str(draft.pk)).exists()
    html = client.get(response["Location"]).content.decode()
    assert "Suggested thresholds" in html and "Set these thresholds on this draft" not in html  # already calibrated
    # On a draft, the same button changes the draft in place (weights first, then thresholds).
    draft.yellow_threshold = 40
    draft.save()
    client.post(reverse("scoring:suggest"), {"version": draft.pk, "kind": "thresholds"})
    assert ScoreModelVersion.objects.filter(status="draft").count() == 1
    draft.refresh_from_db()
    assert draft.yellow_threshold == 51
