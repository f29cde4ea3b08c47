"""Validation pages: backtest report, suggested weights, what-if preview and publish."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.capabilities import Cap, can, requires
from healthscore.bounds import BadInput
from scoring.backtest import EXPECTED_LABEL, MIN_COUNT
from scoring.forms import PeriodForm, SuggestForm
from scoring.models import ScoreModelVersion, SignalDefinition
from scoring.validation import (
    Period,
    backtest_run,
    draft_create_from_suggestion,
    outcome_series,
    weights_suggest,
)
from scoring.validation_charts import lead_time_histogram, renewal_band_chart, threshold_curve_chart
from scoring.validation_preview import preview_build
from scoring.validation_thresholds import draft_create_with_thresholds, thresholds_suggest
from scoring.versions import version_publish


def _draft(version_id: int) -> ScoreModelVersion:
    return get_object_or_404(
        ScoreModelVersion.objects.select_related("model__segment"), pk=version_id, status=ScoreModelVersion.Status.DRAFT
    )


def report_rows(report: dict) -> dict:
    """Template-friendly rows of a backtest report."""
    return {
        "recall": [(n, r["red"], r["red_or_yellow"]) for n, r in report["recall"].items()],
        "precision": [(h, p["all"], p["not_intervened"], p["intervened"]) for h, p in report["precision"].items()],
        "renewal": [(tier, r["figure"], r["expected"], r["meets"]) for tier, r in report["renewal_by_tier"].items()],
        "quartiles": report["lead_time"].quartiles(),
    }


def _thresholds(version: ScoreModelVersion, now, start, end, series=None) -> dict:
    """The threshold suggestion of a version, its curve and its renewal rows (current vs suggested)."""
    thresholds = thresholds_suggest(version=version, now=now, start=start, end=end, series=series)
    rows = [
        (tier, thresholds.renewal_current[tier], thresholds.renewal_suggested[tier])
        for tier in ("green", "yellow", "red")
    ]
    return {
        "thresholds": thresholds,
        "threshold_chart": threshold_curve_chart(thresholds),
        "threshold_rows": rows,
        "threshold_point": thresholds.point(thresholds.red),
        "threshold_point_now": thresholds.point(thresholds.current_red),
    }


@requires(Cap.VIEW_VALIDATION)
@require_GET
def validation(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    form = PeriodForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        raise BadInput.from_form(form)
    period = form.cleaned_data if form.is_bound else {}
    start, end = period.get("start"), period.get("end")
    report = backtest_run(now=now, start=start, end=end)
    labels = dict(SignalDefinition.objects.values_list("key", "label"))
    suggestions = []
    for version in ScoreModelVersion.objects.filter(status=ScoreModelVersion.Status.PUBLISHED).select_related("model"):
        # One read of the outcome accounts' history serves both suggestions.
        series = outcome_series(version, Period.default(now, start, end))
        suggestion = weights_suggest(version=version, now=now, start=start, end=end, series=series)
        for ev in suggestion.signals:
            ev.label = labels.get(ev.key, ev.key)
        suggestions.append({"version": version, "suggestion": suggestion,
                            **_thresholds(version, now, start, end, series)})
    drafts = ScoreModelVersion.objects.filter(status=ScoreModelVersion.Status.DRAFT).select_related("model")
    context = {
        "form": form,
        "report": report,
        "rows": report_rows(report),
        "renewal_chart": renewal_band_chart(report["renewal_by_band"]),
        "lead_chart": lead_time_histogram(report["lead_time"]),
        "suggestions": suggestions,
        "drafts": drafts,
        "minimum": MIN_COUNT,
        "expected": EXPECTED_LABEL,
        "can_edit": can(request.user, Cap.EDIT_SCORING),
        "start": start,
        "end": end,
    }
    return render(request, "scoring/validation.html", context)


@requires(Cap.EDIT_SCORING)
@require_POST
def suggest(request: HttpRequest) -> HttpResponse:
    form = SuggestForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Could not read the request: " + "; ".join(
            f"{field}: {' '.join(errs)}" for field, errs in form.errors.items()))
        return redirect("scoring:validation")
    data = form.cleaned_data
    kind = data.get("kind") or "weights"
    statuses = [ScoreModelVersion.Status.PUBLISHED] + ([ScoreModelVersion.Status.DRAFT] if kind == "thresholds" else [])
    version = get_object_or_404(ScoreModelVersion, pk=data["version"], status__in=statuses)
    period = {"start": data.get("start"), "end": data.get("end")}
    try:
        if kind == "thresholds":
            draft = draft_create_with_thresholds(version=version, actor=request.user, now=timezone.now(), **period)
        else:
            draft = draft_create_from_suggestion(
                version=version, actor=request.user, now=timezone.now(), method=data.get("method") or None, **period
            )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("scoring:validation")
    messages.success(request, f"{draft} holds the suggested {kind}. Preview it before publishing.")
    query = "&".join(f"{k}={v.isoformat()}" for k, v in period.items() if v)
    return redirect(reverse("scoring:preview", args=[draft.pk]) + (f"?{query}" if query else ""))


@requires(Cap.VIEW_VALIDATION)
@require_GET
def preview(request: HttpRequest, version_id: int) -> HttpResponse:
    draft = _draft(version_id)
    form = PeriodForm(request.GET or None)
    period = form.cleaned_data if form.is_valid() else {}
    start, end = period.get("start"), period.get("end")
    now = timezone.now()
    data = preview_build(draft=draft, now=now, start=start, end=end)
    backtests = {
        key: (report, report_rows(report)) if report else None for key, report in data["backtest"].items()
    }
    context = {
        "preview": data,
        "backtests": backtests,
        "can_publish": can(request.user, Cap.EDIT_SCORING),
        "form": form,
        "start": start,
        "end": end,
        "draft_thresholds": _thresholds(draft, now, start, end),
        "admin_url": reverse("admin:scoring_scoremodelversion_change", args=[draft.pk]),
    }
    return render(request, "scoring/preview.html", context)


@requires(Cap.EDIT_SCORING)
@require_POST
def publish(request: HttpRequest, version_id: int) -> HttpResponse:
    draft = _draft(version_id)
    try:
        version_publish(version=draft, actor=request.user, now=timezone.now())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("scoring:preview", version_id=draft.pk)
    messages.success(request, f"Published {draft.model} v{draft.number}; scores are being recomputed under it.")
    return redirect("scoring:validation")


@requires(Cap.VIEW_BOOK)
@require_GET
def book(request: HttpRequest) -> HttpResponse:
    """What is pulling the book down this week, and the expansion candidates (``scoring.book``)."""
    from accounts.access import visible_accounts
    from scoring.book import PULL_POINTS, expansion_candidates, pulling_down

    today = timezone.localdate()
    accounts = visible_accounts(request.user)
    try:
        points = max(1.0, float(request.GET.get("points") or PULL_POINTS))
    except ValueError:
        points = PULL_POINTS
    return render(request, "scoring/book.html", {
        "pulls": pulling_down(accounts=accounts, today=today, min_points=points),
        "candidates": expansion_candidates(accounts=accounts, today=today),
        "points": points,
    })
