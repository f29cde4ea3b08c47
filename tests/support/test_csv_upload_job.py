"""#12 item 5: the admin CSV upload is size-limited and runs as a background job with progress."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
import time_machine

from scoring.models import Observation
from support.import_jobs import import_job_run
from support.models import ImportJob
from tests.support.import_flow import import_, mapping_of, run_jobs, upload

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


def test_it_answers_the_upload_at_once_and_imports_in_a_worker(client, ops, acme, django_capture_on_commit_callbacks):
    client.force_login(ops)
    body = _csv(12000)
    response = upload(client, body, name="big.csv")
    # The request stored the file; it waits for its columns to be mapped (nothing queued, nothing imported).
    assert response.status_code == 302 and response["Location"].endswith("/mapping/")
    job = ImportJob.objects.get()
    assert (job.status, job.size, Observation.objects.count()) == ("mapping", len(body), 0)
    mapping = client.get(response["Location"])
    with mock.patch("django_q.tasks.async_task") as enqueue:
        with django_capture_on_commit_callbacks(execute=True):
            sent = client.post(f"/imports/{job.pk}/mapping/", mapping_of(mapping))
    enqueue.assert_called_once_with("support.tasks.import_job_run", job.pk, task_name=f"import_job {job.pk}")
    job.refresh_from_db()
    assert (sent.status_code, job.status, job.dry_run, Observation.objects.count()) == (302, "queued", True, 0)
    page = client.get(sent["Location"])
    assert "Waiting for a worker" in page.content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page.content.decode()
    run_jobs()
    job.refresh_from_db()
    assert (job.status, job.rows, job.done, job.total, Observation.objects.count()) == ("done", 12000, 12000, 12000, 0)
    assert bytes(job.content) == body  # a dry run keeps the file for the import
    page = import_(client, job)
    job.refresh_from_db()
    assert (job.status, job.dry_run, job.rows, job.created) == ("done", False, 12000, Observation.objects.count())
    assert (job.done, job.total) == (12000, 12000)
    assert bytes(job.content) == b""  # the file is not kept once imported
    assert 'http-equiv="refresh"' not in page.content.decode()


def test_it_reports_progress_while_checking_and_storing(ops, acme, monkeypatch):
    job = ImportJob.objects.create(filename="big.csv", content=_csv(12000), created_by=ops)
    seen = []
    import support.import_jobs as jobs

    original = jobs.csv_import

    def spy(**kwargs):
        inner = kwargs["progress"]

        def progress(phase, done):
            inner(phase, done)
            row = ImportJob.objects.get(pk=job.pk)
            seen.append((row.status, row.phase, row.done, row.total))

        return original(**{**kwargs, "progress": progress})

    monkeypatch.setattr(jobs, "csv_import", spy)
    from scoring.ingest import ObservationStage

    monkeypatch.setattr(ObservationStage, "CHUNK_ROWS", 5000)  # stored in chunks, each reported as it commits
    import_job_run(job_id=job.pk)
    assert seen == [("running", "check", 5000, 12000), ("running", "check", 10000, 12000),
                    ("running", "check", 12000, 12000), ("running", "import", 5000, 12000),
                    ("running", "import", 10000, 12000), ("running", "import", 12000, 12000)]


def test_it_runs_a_job_once_even_if_delivered_twice(ops, acme):
    job = ImportJob.objects.create(filename="a.csv", content=_csv(10), created_by=ops)
    assert import_job_run(job_id=job.pk).created == 10
    assert import_job_run(job_id=job.pk) is None
    assert Observation.objects.count() == 10


def test_it_refuses_a_file_over_the_size_limit(client, ops, acme, settings):
    settings.CSV_UPLOAD_MAX_BYTES = 2048
    client.force_login(ops)
    response = upload(client, _csv(200), name="big.csv")
    assert response.status_code in (400, 413)
    assert "at most" in response.content.decode()
    assert not ImportJob.objects.exists() and not Observation.objects.exists()


def test_the_job_page_shows_the_phase_and_the_rows_done_while_running(client, ops):
    job = ImportJob.objects.create(filename="big.csv", content=_csv(10), created_by=ops, status="running",
                                   phase="check", done=5000, total=12000)
    client.force_login(ops)
    html = client.get(f"/imports/{job.pk}/").content.decode()
    assert "Checking rows:\n    5000 of 12000 (41 %)" in html
    assert '<progress max="12000" value="5000"' in html
    assert '<meta http-equiv="refresh" content="2">' in html
    ImportJob.objects.filter(pk=job.pk).update(phase="import", done=6000)
    assert "Storing rows:\n    6000 of 12000 (50 %)" in client.get(f"/imports/{job.pk}/").content.decode()


def test_an_upload_left_a_week_lets_its_file_go(client, ops, acme):
    from support.import_jobs import import_files_sweep

    client.force_login(ops)
    upload(client, _csv(3), name="left.csv")
    left = ImportJob.objects.get()
    with time_machine.travel(NOW + dt.timedelta(days=6), tick=False):
        assert import_files_sweep() == 0
    with time_machine.travel(NOW + dt.timedelta(days=8), tick=False):
        running = ImportJob.objects.create(filename="r.csv", content=_csv(3), status="running")
        ImportJob.objects.filter(pk=running.pk).update(created_at=NOW)
        upload(client, _csv(3), name="new.csv")  # each upload sweeps
    left.refresh_from_db()
    running.refresh_from_db()
    assert bytes(left.content) == b"" and bytes(running.content) != b""
    assert bytes(ImportJob.objects.get(filename="new.csv").content) == _csv(3)
