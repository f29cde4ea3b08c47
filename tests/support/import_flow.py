"""The admin's CSV import, step by step through the test client: upload → mapping → dry run → import."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from support.models import ImportJob


def upload(client, text: str | bytes, *, kind: str = "observations", name: str = "in.csv", **extra):
    """Step 1: the upload answers with the mapping page's address; nothing runs yet."""
    body = text.encode() if isinstance(text, str) else text
    data = {"kind": kind, "file": SimpleUploadedFile(name, body, content_type="text/csv"), **extra}
    return client.post("/imports/", data)


def mapping_of(page) -> dict[str, str]:
    """The mapping page's prefilled choices, as the browser would send them back."""
    form = page.context["form"]
    return {name: form[name].value() for name in form.fields}


def choose(page, **by_column: str) -> dict[str, str]:
    """The prefilled choices with some columns chosen by hand ({"Cust No": "external_id"})."""
    form = page.context["form"]
    data = mapping_of(page)
    for name in form.fields:
        label = form.fields[name].label
        if label in by_column:
            data[name] = by_column[label]
    return data


def run_jobs() -> None:
    """What a worker does: run each queued job (the task function, called directly)."""
    from support.tasks import import_job_run

    for pk in ImportJob.objects.filter(status=ImportJob.Status.QUEUED).values_list("pk", flat=True):
        import_job_run(pk)


def dry_run(client, job: ImportJob, data: dict[str, str]):
    """Step 2 sent: the dry run is queued; a worker runs it; the job page shows its report."""
    response = client.post(f"/imports/{job.pk}/mapping/", data)
    assert response.status_code == 302 and response["Location"] == f"/imports/{job.pk}/", response.content
    run_jobs()
    return client.get(f"/imports/{job.pk}/")


def import_(client, job: ImportJob):
    """Step 3: the report's Import button; a worker imports; the job page shows the result."""
    response = client.post(f"/imports/{job.pk}/import/")
    assert response.status_code == 302 and response["Location"] == f"/imports/{job.pk}/"
    run_jobs()
    return client.get(f"/imports/{job.pk}/")


def upload_and_import(client, text: str, *, kind: str = "observations", **extra):
    """The whole flow with the prefilled mapping; the dry run's page if it found problems, else the result."""
    response = upload(client, text, kind=kind, **extra)
    assert response.status_code == 302, response.content
    job = ImportJob.objects.latest("pk")
    page = client.get(response["Location"])
    assert page.status_code == 200, page.content
    report = dry_run(client, job, mapping_of(page))
    job.refresh_from_db()
    if job.error_count:
        return report
    return import_(client, job)
