"""#12 item 5: the admin CSV upload is size-limited and runs as a background job with progress."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from scoring.models import Observation
from support.import_jobs import import_job_run
from support.models import ImportJob

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _csv(rows: int) -> bytes:
    lines = ["account,signal,value,observed_at"]
    lines += [f"acme,weekly_logins,{i % 50},2026-11-{1 + i % 18:02d}T{i % 24:02d}:{i % 60:02d}:00Z" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def test_it_answers_the_upload_at_once_and_imports_in_a_worker(client, ops, acme):
    client.force_login(ops)
    body = _csv(12000)
    response = client.post("/imports/observations/", {"file": SimpleUploadedFile("big.csv", body)})
    # The request stored the file and queued the job: nothing imported yet (on_commit not run).
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert (job.status, job.size, Observation.objects.count()) == ("queued", len(body), 0)
    page = client.get(response["Location"])
    assert "Waiting for a worker" in page.content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page.content.decode()
    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.rows, job.created, job.done, job.total) == ("done", 12000, Observation.objects.count(), 12000, 12000)
    assert bytes(job.content) == b""  # the file is not kept once imported
    assert 'http-equiv="refresh"' not in client.get(response["Location"]).content.decode()


def test_it_reports_progress_while_validating(ops, acme, monkeypatch):
    job = ImportJob.objects.create(filename="big.csv", content=_csv(12000), created_by=ops)
    seen = []
    import support.import_jobs as jobs

    original = jobs.observations_csv_import

    def spy(**kwargs):
        inner = kwargs["progress"]

        def progress(phase, done, total):
            inner(phase, done, total)
            row = ImportJob.objects.get(pk=job.pk)
            seen.append((row.status, row.phase, row.done, row.total))

        return original(**{**kwargs, "progress": progress})

    monkeypatch.setattr(jobs, "observations_csv_import", spy)
    import_job_run(job_id=job.pk)
    assert seen[:3] == [("running", "validate", 5000, 12000), ("running", "validate", 10000, 12000),
                        ("running", "validate", 12000, 12000)]


def test_it_runs_a_job_once_even_if_delivered_twice(ops, acme):
    job = ImportJob.objects.create(filename="a.csv", content=_csv(10), created_by=ops)
    assert import_job_run(job_id=job.pk).created == 10
    assert import_job_run(job_id=job.pk) is None
    assert Observation.objects.count() == 10


def test_it_refuses_a_file_over_the_size_limit(client, ops, acme, settings):
    settings.CSV_UPLOAD_MAX_BYTES = 2048
    client.force_login(ops)
    response = client.post("/imports/observations/", {"file": SimpleUploadedFile("big.csv", _csv(200))})
    assert response.status_code in (400, 413)
    assert "at most" in response.content.decode()
    assert not ImportJob.objects.exists() and not Observation.objects.exists()
