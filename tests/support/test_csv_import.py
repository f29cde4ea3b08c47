from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import CommandError, call_command

from scoring.ingest import client_key_scoped
from scoring.models import Observation
from support.models import ImportJob
from tests.support.import_flow import dry_run, mapping_of, upload, upload_and_import

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)

GOOD = """account,signal,value,observed_at,key
acme,weekly_logins,12,2026-11-18T00:00:00Z,
acme,nps,30,2026-11-18,survey-1
acme,payment_health,100,2026-11-19T00:00:00+00:00,
"""

MIXED = """account,signal,value,observed_at
acme,weekly_logins,12,2026-11-18T00:00:00Z
nope,weekly_logins,3,2026-11-18T00:00:00Z
acme,no_such,3,2026-11-18T00:00:00Z
acme,nps,lots,2026-11-18T00:00:00Z
acme,nps,5,2027-01-01T00:00:00Z
acme,nps,nan,someday
"""


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def write(tmp_path, text: str):
    path = tmp_path / "obs.csv"
    path.write_text(text)
    return path


def run(path, *args):
    import io

    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_observations", str(path), *args, stdout=out, stderr=err)
    except CommandError as exc:
        return None, out.getvalue(), err.getvalue(), str(exc)
    return True, out.getvalue(), err.getvalue(), ""


def test_it_imports_a_valid_file_and_replays_as_duplicates(tmp_path, acme):
    path = write(tmp_path, GOOD)
    ok, out, _, _ = run(path)
    assert ok and "Imported 3 new observation(s) from 3 row(s); 0 already present." in out
    assert Observation.objects.filter(source="csv").count() == 3
    assert Observation.objects.filter(idempotency_key=client_key_scoped(account_id=acme.pk, client_key="survey-1")).exists()
    ok, out, _, _ = run(path)
    assert "Imported 0 new observation(s) from 3 row(s); 3 already present." in out
    assert Observation.objects.count() == 3


def test_it_reports_every_bad_row_by_line_and_column_and_imports_nothing(tmp_path, acme):
    ok, _, err, message = run(write(tmp_path, MIXED))
    assert ok is None
    assert err.splitlines() == [
        "line 3, column account: unknown account 'nope'",
        "line 4, column signal: unknown signal 'no_such'",
        "line 5, column value: must be a number, got 'lots'",
        "line 6, column observed_at: is in the future (more than 5 minutes ahead)",
        "line 7, column observed_at: must be an ISO 8601 date-time, got 'someday'",
        "line 7, column value: must be a finite number (no NaN or infinity)",
    ]
    assert message == f"6 error(s) in {tmp_path / 'obs.csv'}; nothing was imported."
    assert Observation.objects.count() == 0


def test_it_validates_without_storing_on_dry_run(tmp_path, acme):
    ok, out, _, _ = run(write(tmp_path, GOOD), "--dry-run")
    assert ok and "Would import 3 new observation(s)" in out
    assert Observation.objects.count() == 0


def test_it_reports_missing_columns_on_line_one(tmp_path, acme):
    _, _, err, _ = run(write(tmp_path, "account,value\nacme,1\n"))
    # One pipeline (support/imports): the header's problem is one error on line 1, naming every missing field.
    assert err.splitlines() == [
        "line 1, column header: no column for required field(s) signal, observed_at; header: account, value "
        "(name them with manage.py import_csv observations --map COLUMN=FIELD)",
    ]
    assert Observation.objects.count() == 0


def test_it_shows_a_progress_bar_for_large_files(tmp_path, acme, monkeypatch):
    from scoring.ingest import ObservationStage

    monkeypatch.setattr(ObservationStage, "CHUNK_ROWS", 5000)
    rows = [f"acme,weekly_logins,{i % 30},{(NOW - dt.timedelta(minutes=i)).isoformat()}" for i in range(6000)]
    ok, out, err, _ = run(write(tmp_path, "account,signal,value,observed_at\n" + "\n".join(rows) + "\n"))
    assert ok and "Imported 6000 new observation(s)" in out
    assert "validate [##############################] 6000/6000 (100%)" in err
    assert "import   [#########################.....] 5000/6000 (83%)" in err
    assert Observation.objects.count() == 6000


def test_it_imports_through_the_admin_page(client, ops, acme):
    client.force_login(ops)
    page = upload_and_import(client, GOOD)
    assert page.status_code == 200
    assert "Imported 3 rows of observations" in page.content.decode()
    assert "3 new, 0 already present" in page.content.decode()
    assert Observation.objects.count() == 3


def test_it_lists_errors_on_the_admin_page_and_imports_nothing(client, ops, acme):
    client.force_login(ops)
    page = upload_and_import(client, MIXED)
    assert page.status_code == 400
    html = page.content.decode()
    assert "6 problems — nothing was imported" in html
    assert "<td>3</td><td>account</td><td>unknown account &#x27;nope&#x27;</td>" in html
    assert 'action="/imports/' not in html  # no Import button under a report with problems
    assert Observation.objects.count() == 0
    response = upload(client, GOOD)
    job = ImportJob.objects.latest("pk")
    dry = dry_run(client, job, mapping_of(client.get(response["Location"])))
    assert "Dry run: all 3 rows valid" in dry.content.decode()
    assert "3 would be new, 0 already present" in dry.content.decode()
    assert Observation.objects.count() == 0


def test_it_links_the_import_page_from_the_observation_changelist(client, ops):
    client.force_login(ops)
    assert 'href="/imports/?kind=observations"' in client.get("/admin/scoring/observation/").content.decode()


def test_it_restricts_the_admin_page_to_staff_with_permission(client, personas):
    client.force_login(personas["support"])  # not staff
    assert client.get("/imports/").status_code == 302  # to the admin login
    staff = personas["manager"]
    staff.is_staff = True
    staff.save()
    client.force_login(staff)
    assert client.get("/imports/").status_code == 403
    from django.contrib.auth.models import Group, Permission

    # The capability table decides (IMPORT_CSV: CS ops), not a model permission on its own.
    staff.user_permissions.add(Permission.objects.get(codename="add_observation"))
    client.force_login(staff)
    assert client.get("/imports/").status_code == 403
    staff.groups.add(Group.objects.get(name="CS ops"))
    client.force_login(staff)
    assert client.get("/imports/").status_code == 200


@pytest.mark.parametrize("value", ["1e30", "-1e30", "1.7e308"])
def test_the_admin_page_names_the_line_of_a_poisoned_value_and_imports_nothing(client, ops, acme, value):
    client.force_login(ops)
    text = f"account,signal,value,observed_at\nacme,weekly_logins,12,2026-11-18T00:00:00Z\nacme,nps,{value},2026-11-18\n"
    response = upload_and_import(client, text)
    assert response.status_code == 400
    html = response.content.decode()
    assert "1 problem — nothing was imported" in html
    assert f"<td>3</td><td>value</td><td>must be between -100 and 100 for signal &#x27;nps&#x27; (its plausible range), got {float(value):g}</td>" in html
    assert Observation.objects.count() == 0
