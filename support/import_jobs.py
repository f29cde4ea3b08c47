"""The admin's CSV import as a background job, on the one import pipeline (support/imports/run.py).

Steps: ``import_job_create`` stores the upload (size-limited) and waits for its column mapping;
``import_job_check`` saves the mapping and enqueues a dry run; ``import_job_start`` enqueues the import
itself from a clean dry run, with the same mapping. A worker runs ``support.tasks.import_job_run``
(a 1M-row file ran 94 s inside one web request, #12); the job page shows the rows done as they go.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from support.imports.files import content_lines, data_rows
from support.imports.run import csv_import
from support.models import ImportJob

FILE_KEPT = dt.timedelta(days=7)


class UploadTooLarge(Exception):
    pass


def upload_limit_check(size: int) -> None:
    limit = settings.CSV_UPLOAD_MAX_BYTES
    if size > limit:
        raise UploadTooLarge(
            f"The file is {size / 1e6:.1f} MB; uploads take at most {limit / 1e6:.0f} MB "
            "(split it, or use manage.py import_csv)."
        )


def import_job_create(*, filename: str, content: bytes, kind: str, preset: str = "", historical: bool = False,
                      user) -> ImportJob:
    """Store the upload; nothing runs until its columns are mapped (``import_job_check``)."""
    upload_limit_check(len(content))
    import_files_sweep()
    return ImportJob.objects.create(
        filename=filename[:255], size=len(content), content=content, kind=kind, preset=preset,
        historical=historical, dry_run=True, status=ImportJob.Status.MAPPING, created_by=user,
    )  # fmt: skip


def import_files_sweep(*, now: dt.datetime | None = None) -> int:
    """Let go of the files of uploads left for ``FILE_KEPT`` (never mapped, or a dry run never imported):
    an upload is up to CSV_UPLOAD_MAX_BYTES, kept in the database only while it may still be imported."""
    cutoff = (now or timezone.now()) - FILE_KEPT
    waiting = [ImportJob.Status.MAPPING, ImportJob.Status.DONE]
    return ImportJob.objects.filter(created_at__lt=cutoff, status__in=waiting).exclude(content=b"").update(content=b"")


def _enqueue(job_id: int) -> None:
    from django_q.tasks import async_task

    transaction.on_commit(lambda: async_task("support.tasks.import_job_run", job_id, task_name=f"import_job {job_id}"))


_RESULTS = {"phase": "", "done": 0, "total": 0, "rows": 0, "created": 0, "updated": 0, "duplicates": 0,
            "error_count": 0, "errors": [], "ignored_columns": [], "failure": "", "started_at": None,
            "finished_at": None}


def import_job_check(*, job_id: int, mapping: dict[str, str]) -> bool:
    """Save the mapping and enqueue a dry run. Only a job waiting for its mapping, or one whose dry run has
    ended (to map again), can be checked; False otherwise (queued, running, imported)."""
    mappable = Q(status=ImportJob.Status.MAPPING) | Q(status=ImportJob.Status.DONE, dry_run=True)
    updated = ImportJob.objects.filter(mappable, pk=job_id).exclude(content=b"").update(
        mapping=mapping, dry_run=True, status=ImportJob.Status.QUEUED, **_RESULTS
    )
    if updated:
        _enqueue(job_id)
    return bool(updated)


def import_job_start(*, job_id: int) -> bool:
    """Enqueue the import of a clean dry run (same file, same mapping); False if the job is not one
    (a second click, an import already queued, a dry run from before #14 whose file is gone). The import
    checks the whole file again before storing."""
    updated = ImportJob.objects.filter(
        pk=job_id, status=ImportJob.Status.DONE, dry_run=True, error_count=0
    ).exclude(content=b"").update(dry_run=False, status=ImportJob.Status.QUEUED, **_RESULTS)
    if updated:
        _enqueue(job_id)
    return bool(updated)


def import_job_run(*, job_id: int) -> ImportJob | None:
    """Run a queued job (a job already started or finished is left alone: at-least-once delivery)."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    job = ImportJob.objects.get(pk=job_id)
    content = bytes(job.content)
    total = data_rows(content_lines(content))
    ImportJob.objects.filter(pk=job_id).update(total=total)

    def progress(phase: str, done: int) -> None:
        # Each batch commits on its own, so the page sees this at once.
        ImportJob.objects.filter(pk=job_id).update(phase=phase, done=done)

    try:
        report = csv_import(
            kind=job.kind, open_lines=lambda: content_lines(content), explicit=job.mapping or None,
            preset=job.preset or None, dry_run=job.dry_run, historical=job.historical, progress=progress,
        )  # fmt: skip
    except Exception as exc:  # recorded on the job, then re-raised so django-q lists the failure
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.FAILED, failure=f"{type(exc).__name__}: {exc}", finished_at=timezone.now(),
            content=b"",
        )
        raise
    # A dry run keeps the file for the import (or another mapping); the import lets it go.
    kept = {} if job.dry_run else {"content": b""}
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportJob.Status.DONE, rows=report.rows, created=report.created, updated=report.updated,
        duplicates=report.duplicates, error_count=len(report.errors) + report.more_errors,
        errors=[[e.line, e.field, e.message] for e in report.errors[: ImportJob.ERRORS_KEPT]],
        ignored_columns=list(report.ignored_columns), done=report.rows, total=report.rows,
        finished_at=timezone.now(), **kept,
    )  # fmt: skip
    return ImportJob.objects.get(pk=job_id)
