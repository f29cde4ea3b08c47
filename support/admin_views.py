"""Admin pages of the CSV import (accounts, contacts, outcomes, observations), on the one pipeline.

Upload (kind, file, optional CRM preset, historical) → map each column of the file to a field → a dry
run in a worker, whose report lists every problem by line and field → from a clean report, the import
itself, in a worker, with the same mapping. The upload is size-limited (``CSV_UPLOAD_MAX_BYTES``); the
job's page shows its progress, then its result (support/import_jobs.py).
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin
from django.db.models import BinaryField
from django.db.models.functions import Substr
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.capabilities import Cap, capability_check, checked_inside
from support.import_jobs import (
    UploadTooLarge,
    import_job_check,
    import_job_create,
    import_job_start,
    upload_limit_check,
)
from support.imports.columns import (
    FIELDS,
    MULTI,
    PRESETS,
    REQUIRED,
    MappingError,
    build_mapping,
    column_guess,
    normalise,
)
from support.imports.files import content_lines, header_and_sample
from support.models import ImportJob

IGNORE = "-"
HEAD_BYTES = 1 << 20  # what the mapping page reads of a stored upload
CHANGELISTS = {"accounts": "admin:accounts_account_changelist", "contacts": "admin:accounts_contact_changelist",
               "outcomes": "admin:accounts_outcome_changelist", "observations": "admin:scoring_observation_changelist"}
PRESET_LABELS = {"hubspot": "HubSpot export", "salesforce": "Salesforce export"}


class UploadForm(forms.Form):
    kind = forms.ChoiceField(choices=ImportJob.Kind.choices, label="What the file holds")
    file = forms.FileField(label="CSV file", help_text="UTF-8, one header row. You map its columns next.")
    preset = forms.ChoiceField(
        required=False, label="Column names from",
        choices=[("", "Our own names (or common synonyms)")] + [(p, PRESET_LABELS.get(p, p)) for p in sorted(PRESETS)],
        help_text="A CRM's export: its column names are recognised. You can change each column next.",
    )  # fmt: skip
    historical = forms.BooleanField(
        required=False, label="Historical data",
        help_text="Past data: stored without rescoring each account, no tasks, no notifications. "
                  "Build the history afterwards with manage.py recompute_scores --from/--to.",
    )  # fmt: skip

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            upload_limit_check(upload.size)
        except UploadTooLarge as exc:
            raise forms.ValidationError(str(exc)) from None
        return upload


class MappingForm(forms.Form):
    """One select per column of the file: a field of the kind, or ignore."""

    def __init__(self, data=None, *, job: ImportJob, header: list[str], initial_fields: list[str | None]):
        super().__init__(data)
        self.job, self.header = job, header
        required = REQUIRED[job.kind]
        choices = [(IGNORE, "— ignore this column —")]
        choices += [(f, f"{f} (required)" if f in required else f) for f in FIELDS[job.kind]]
        for i, column in enumerate(header):
            self.fields[f"col_{i}"] = forms.ChoiceField(
                choices=choices, label=column or f"Column {i + 1} (no name)", initial=initial_fields[i] or IGNORE
            )

    def clean(self):
        chosen = [self.cleaned_data.get(f"col_{i}") for i in range(len(self.header))]
        if None in chosen:
            return self.cleaned_data  # a field's own error says which
        kind = self.job.kind
        missing = [f for f in REQUIRED[kind] if f not in chosen]
        if missing:
            raise forms.ValidationError(
                f"Choose a column for each required field of {kind}: {', '.join(missing)}. Nothing was checked or imported."
            )
        first_of: dict[str, str] = {}
        by_name: dict[str, tuple[str, str]] = {}
        for column, field in zip(self.header, chosen, strict=True):
            if field != IGNORE and field not in MULTI:
                if field in first_of:
                    raise forms.ValidationError(
                        f"The columns {first_of[field]!r} and {column!r} are both mapped to {field}: ignore one or map it to another field."
                    )
                first_of[field] = column
            key = normalise(column)
            if key in by_name and by_name[key][1] != field:
                raise forms.ValidationError(
                    f"Two columns are named {column!r}: they can only be mapped alike (rename one in the file)."
                )
            by_name.setdefault(key, (column, field))
        mapping = dict(by_name.values())
        try:  # the pipeline's own rules too (contacts need an email or a name…)
            build_mapping(kind, self.header, explicit=mapping, preset=self.job.preset or None)
        except MappingError as exc:
            raise forms.ValidationError(str(exc)) from None
        self.cleaned_data["mapping"] = mapping
        return self.cleaned_data


def _context(request: HttpRequest, **extra) -> dict:
    max_mb = settings.CSV_UPLOAD_MAX_BYTES // 1_000_000
    return {**admin.site.each_context(request), "max_mb": max_mb, **extra}


def _check(request: HttpRequest) -> None:
    capability_check(request.user, Cap.IMPORT_CSV)


@checked_inside(Cap.IMPORT_CSV)
def import_upload(request: HttpRequest) -> HttpResponse:
    """Step 1: CS ops upload a file (kind, optional preset, historical); the columns are mapped next."""
    _check(request)
    title = "Import a CSV file"
    # Refuse an oversized body before reading it (Content-Length), not only after the upload.
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    if request.method == "POST" and declared > settings.CSV_UPLOAD_MAX_BYTES + 64 * 1024:
        form = UploadForm()
        form.add_error(None, f"The upload is {declared / 1e6:.1f} MB; at most {settings.CSV_UPLOAD_MAX_BYTES / 1e6:.0f} MB.")
        return render(request, "support/import_upload.html", _context(request, title=title, form=form), status=413)
    kind = request.GET.get("kind")
    initial = {"kind": kind} if kind in FIELDS else {}
    form = UploadForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = import_job_create(
            filename=upload.name, content=upload.read(), kind=form.cleaned_data["kind"],
            preset=form.cleaned_data["preset"], historical=form.cleaned_data["historical"], user=request.user,
        )  # fmt: skip
        return redirect("support:import_mapping", pk=job.pk)
    status = 400 if form.errors else 200
    jobs = ImportJob.objects.defer("content")[:10]
    context = _context(request, title=title, form=form, jobs=jobs)
    return render(request, "support/import_upload.html", context, status=status)


@checked_inside(Cap.IMPORT_CSV)
def import_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 2: each column of the file → a field (prefilled from the names and the preset); then a dry run."""
    _check(request)
    # Only the file's head: its header and first row (an upload is up to CSV_UPLOAD_MAX_BYTES).
    head = Substr("content", 1, HEAD_BYTES, output_field=BinaryField())
    job = get_object_or_404(ImportJob.objects.defer("content").annotate(head=head), pk=pk)
    if not (job.status == ImportJob.Status.MAPPING or (job.status == ImportJob.Status.DONE and job.dry_run)):
        return redirect("support:import_job", pk=job.pk)  # running, or imported: nothing to map any more
    title = f"Map the columns of {job.filename}"
    try:
        header, sample = header_and_sample(content_lines(bytes(job.head)))
    except ValueError as exc:
        context = _context(request, title=title, job=job, unreadable=str(exc))
        return render(request, "support/import_mapping.html", context, status=400)
    if job.mapping:  # mapped before (a dry run's report sent us back): start from that choice
        initial = [job.mapping.get(column, IGNORE) for column in header]
    else:
        initial = column_guess(job.kind, header, preset=job.preset or None)
    form = MappingForm(request.POST or None, job=job, header=header, initial_fields=initial)
    if request.method == "POST" and form.is_valid():
        import_job_check(job_id=job.pk, mapping=form.cleaned_data["mapping"])
        return redirect("support:import_job", pk=job.pk)
    rows = [(form[f"col_{i}"], sample[i]) for i in range(len(header))]
    context = _context(request, title=title, job=job, form=form, rows=rows, required=REQUIRED[job.kind])
    return render(request, "support/import_mapping.html", context, status=400 if form.errors else 200)


@checked_inside(Cap.IMPORT_CSV)
@require_POST
def import_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 3's button: import a clean dry run with the same mapping (a second click changes nothing)."""
    _check(request)
    job = get_object_or_404(ImportJob.objects.defer("content"), pk=pk)
    import_job_start(job_id=job.pk)
    return redirect("support:import_job", pk=job.pk)


@checked_inside(Cap.IMPORT_CSV)
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    """A job's progress (the page refreshes itself until it ends), then its report or result."""
    _check(request)
    job = get_object_or_404(ImportJob.objects.defer("content"), pk=pk)
    if job.status == ImportJob.Status.MAPPING:
        return redirect("support:import_mapping", pk=job.pk)
    errors = [{"line": line, "field": field, "message": message} for line, field, message in job.errors]
    # A dry run from before #14 has no file left to import.
    importable = job.importable and ImportJob.objects.filter(pk=job.pk).exclude(content=b"").exists()
    context = _context(request, title=f"Import of {job.filename}", job=job, errors=errors, importable=importable,
                       changelist=reverse(CHANGELISTS[job.kind]))
    return render(request, "support/import_job.html", context, status=400 if job.error_count else 200)


import_upload_view = admin.site.admin_view(import_upload)
import_mapping_view = admin.site.admin_view(import_mapping)
import_start_view = admin.site.admin_view(import_start)
import_job_view = admin.site.admin_view(import_job)
