"""Validation pages: backtest report, suggested weights, what-if preview and publish."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import Role, has_role
from healthscore.bounds import BadInput
from scoring.backtest import EXPECTED_LABEL, MIN_COUNT
from scoring.forms import PeriodForm, SuggestForm
from scoring.models import ScoreModelVersion, SignalDefinition
from scoring.validation import backtest_run, draft_create_from_suggestion, weights_suggest
from scoring.validation_charts import lead_time_histogram, renewal_band_chart
from scoring.validation_preview import preview_build
from scoring.versions import version_publish

READERS = (Role.MANAGER, Role.OPS)


def _require(request: HttpRequest, *roles: Role) -> None:
    if not has_role(request.user, *roles):
        raise PermissionDenied("Validation is for CS managers and CS ops.")


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


@require_GET
@login_required
def validation(request: HttpRequest) -> HttpResponse:
    _require(request, *READERS)
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
        suggestion = weights_suggest(version=version, now=now, start=start, end=end)
        for ev in suggestion.signals:
            ev.label = labels.get(ev.key, ev.key)
        suggestions.append({"version": version, "suggestion": suggestion})
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
        "can_edit": has_role(request.user, Role.OPS),
        "start": start,
        "end": end,
    }
    return render(request, "scoring/validation.html", context)


@require_POST
@login_required
def suggest(request: HttpRequest) -> HttpResponse:
    _require(request, Role.OPS)
    form = SuggestForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Could not read the request: " + "; ".join(form.errors.get("__all__", ["bad form"])))
        return redirect("scoring:validation")
    version = get_object_or_404(ScoreModelVersion, pk=form.cleaned_data["version"], status=ScoreModelVersion.Status.PUBLISHED)
    try:
        draft = draft_create_from_suggestion(
            version=version, actor=request.user, now=timezone.now(),
            start=form.cleaned_data.get("start"), end=form.cleaned_data.get("end"),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("scoring:validation")
    messages.success(request, f"Created {draft} with the suggested weights. Preview it before publishing.")
    return redirect("scoring:preview", version_id=draft.pk)


@require_GET
@login_required
def preview(request: HttpRequest, version_id: int) -> HttpResponse:
    _require(request, *READERS)
    draft = _draft(version_id)
    data = preview_build(draft=draft, now=timezone.now())
    backtests = {
        key: (report, report_rows(report)) if report else None for key, report in data["backtest"].items()
    }
    context = {
        "preview": data,
        "backtests": backtests,
        "can_publish": has_role(request.user, Role.OPS),
        "admin_url": reverse("admin:scoring_scoremodelversion_change", args=[draft.pk]),
    }
    return render(request, "scoring/preview.html", context)


@require_POST
@login_required
def publish(request: HttpRequest, version_id: int) -> HttpResponse:
    _require(request, Role.OPS)
    draft = _draft(version_id)
    try:
        version_publish(version=draft, actor=request.user, now=timezone.now())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("scoring:preview", version_id=draft.pk)
    messages.success(request, f"Published {draft.model} v{draft.number}; scores are being recomputed under it.")
    return redirect("scoring:validation")
