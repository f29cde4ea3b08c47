"""Admin page: upload a CSV of observations (same rules as manage.py import_observations)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.capabilities import Cap, capability_check, checked_inside
from scoring.models import Observation
from support.csv_import import observations_csv_import, text_lines


class ObservationImportForm(forms.Form):
    file = forms.FileField(help_text="CSV with columns account, signal, value, observed_at [, key, source].")
    dry_run = forms.BooleanField(required=False, label="Dry run (validate only, store nothing)")


@checked_inside(Cap.IMPORT_OBSERVATIONS)
def observations_import(request: HttpRequest) -> HttpResponse:
    """Staff with permission to add observations may upload; errors are listed by line and column."""
    capability_check(request.user, Cap.IMPORT_OBSERVATIONS, "Importing observations is for CS ops.")
    result = None
    form = ObservationImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        result = observations_csv_import(
            lines=text_lines(form.cleaned_data["file"].file), dry_run=form.cleaned_data["dry_run"]
        )
        if result.ok and not result.dry_run:
            messages.success(
                request,
                f"Imported {result.created} new observation(s) from {result.rows} row(s); "
                f"{result.duplicates} already present.",
            )
            return redirect("admin:scoring_observation_changelist")
    context = {
        **admin.site.each_context(request),
        "title": "Import observations from CSV",
        "form": form,
        "result": result,
        "opts": Observation._meta,
    }
    return render(request, "support/import_observations.html", context, status=400 if result and not result.ok else 200)


observations_import_view = admin.site.admin_view(observations_import)
