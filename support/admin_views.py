"""Admin page: upload a CSV of observations (same rules as manage.py import_observations).

The upload is size-limited (``CSV_UPLOAD_MAX_BYTES``) and imported by a worker; the job's page
shows its progress, then the result (support/import_jobs.py).
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from accounts.capabilities import Cap, capability_check, checked_inside
from scoring.models import Observation
from support.import_jobs import UploadTooLarge, import_job_create, upload_limit_check
from support.models import ImportJob


class ObservationImportForm(forms.Form):
    file = forms.FileField(help_text="CSV with columns account, signal, value, observed_at [, key, source].")
    dry_run = forms.BooleanField(required=False, label="Dry run (validate only, store nothing)")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            upload_limit_check(upload.size)
        except UploadTooLarge as exc:
            raise forms.ValidationError(str(exc)) from None
        return upload


def _context(request: HttpRequest, **extra) -> dict:
    max_mb = settings.CSV_UPLOAD_MAX_BYTES // 1_000_000
    return {**admin.site.each_context(request), "opts": Observation._meta, "max_mb": max_mb, **extra}


@checked_inside(Cap.IMPORT_OBSERVATIONS)
def observations_import(request: HttpRequest) -> HttpResponse:
    """CS ops upload a file; a worker imports it; the job page follows it."""
    capability_check(request.user, Cap.IMPORT_OBSERVATIONS, "Importing observations is for CS ops.")
    # Refuse an oversized body before reading it (Content-Length), not only after the upload.
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    if request.method == "POST" and declared > settings.CSV_UPLOAD_MAX_BYTES + 64 * 1024:
        form = ObservationImportForm()
        form.add_error(None, f"The upload is {declared / 1e6:.1f} MB; at most {settings.CSV_UPLOAD_MAX_BYTES / 1e6:.0f} MB.")
        return render(request, "support/import_observations.html", _context(request, title="Import observations from CSV", form=form), status=413)
    form = ObservationImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = import_job_create(
            filename=upload.name, content=upload.read(), dry_run=form.cleaned_data["dry_run"], user=request.user
        )
        return redirect("support:observations_import_job", pk=job.pk)
    status = 400 if form.errors else 200
    jobs = ImportJob.objects.defer("content")[:10]
    context = _context(request, title="Import observations from CSV", form=form, jobs=jobs)
    return render(request, "support/import_observations.html", context, status=status)


@checked_inside(Cap.IMPORT_OBSERVATIONS)
def observations_import_job(request: HttpRequest, pk: int) -> HttpResponse:
    """A job's progress (the page refreshes itself until it ends), then its result."""
    capability_check(request.user, Cap.IMPORT_OBSERVATIONS, "Importing observations is for CS ops.")
    job = get_object_or_404(ImportJob.objects.defer("content"), pk=pk)
    errors = [{"line": line, "column": column, "message": message} for line, column, message in job.errors]
    context = _context(request, title=f"Import of {job.filename}", job=job, errors=errors)
    return render(request, "support/import_job.html", context, status=400 if job.error_count else 200)


observations_import_view = admin.site.admin_view(observations_import)
observations_import_job_view = admin.site.admin_view(observations_import_job)
