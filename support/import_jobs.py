"""The admin's CSV upload as a background job: size-limited, run by a worker, with progress.

A 1M-row file ran 94 s inside one web request (#12); now the request only stores the file and
enqueues ``support.tasks.import_job_run``; the job page shows validated rows as they go.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from support.csv_import import observations_csv_import, text_lines
from support.models import ImportJob


class UploadTooLarge(Exception):
    pass


def upload_limit_check(size: int) -> None:
    limit = settings.CSV_UPLOAD_MAX_BYTES
    if size > limit:
        raise UploadTooLarge(
            f"The file is {size / 1e6:.1f} MB; uploads take at most {limit / 1e6:.0f} MB "
            "(split it, or use manage.py import_observations)."
        )


def import_job_create(*, filename: str, content: bytes, dry_run: bool, user) -> ImportJob:
    """Store the upload and enqueue its import once the transaction commits."""
    upload_limit_check(len(content))
    job = ImportJob.objects.create(
        filename=filename[:255], size=len(content), content=content, dry_run=dry_run, created_by=user
    )
    from django_q.tasks import async_task

    transaction.on_commit(lambda: async_task("support.tasks.import_job_run", job.pk, task_name=f"import_job {job.pk}"))
    return job


def import_job_run(*, job_id: int) -> ImportJob | None:
    """Run a queued job (a job already started or finished is left alone: at-least-once delivery)."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    job = ImportJob.objects.get(pk=job_id)

    def progress(phase: str, done: int, total: int) -> None:
        # Outside the store's transaction (validation) this is seen at once; the store reports at its end.
        ImportJob.objects.filter(pk=job_id).update(phase=phase, done=done, total=total)

    try:
        result = observations_csv_import(
            lines=text_lines(io.BytesIO(bytes(job.content))), dry_run=job.dry_run, progress=progress
        )
    except Exception as exc:  # recorded on the job, then re-raised so django-q lists the failure
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.FAILED, failure=f"{type(exc).__name__}: {exc}", finished_at=timezone.now(),
            content=b"",
        )
        raise
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportJob.Status.DONE, rows=result.rows, created=result.created, duplicates=result.duplicates,
        error_count=len(result.errors),
        errors=[[e.line, e.column, e.message] for e in result.errors[: ImportJob.ERRORS_KEPT]],
        done=result.rows, total=result.rows, finished_at=timezone.now(), content=b"",
    )  # fmt: skip
    return ImportJob.objects.get(pk=job_id)
