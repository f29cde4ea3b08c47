"""Background tasks of the support app (django-q): they take ids and call a service."""

from __future__ import annotations

from support.import_jobs import import_job_run as _import_job_run


def import_job_run(job_id: int) -> None:
    _import_job_run(job_id=job_id)
