"""#14: the admin's CSV import for every kind — upload, column mapping, dry-run report, import in a worker."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
import time_machine

from accounts.models import Account, Contact, Outcome
from scoring.models import Observation, RecomputeRequest
from support.models import ImportJob
from tests.support.import_flow import (
    choose,
    dry_run,
    import_,
    mapping_of,
    run_jobs,
    upload,
    upload_and_import,
)

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)

CRM_ACCOUNTS = """Cust No,Customer,Renews On,Seats
c-1,Initech,2026-03-01,10
c-2,Hooli,2026-02-30,5
"""
BY_HAND = {"Cust No": "external_id", "Customer": "name", "Renews On": "renewal_date"}
OBSERVATIONS = """account,signal,value,observed_at
acme,weekly_logins,12,2026-11-18T00:00:00Z
acme,nps,30,2026-11-18
acme,payment_health,100,2026-11-19T00:00:00+00:00
"""


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _uploaded(client, text, **extra):
    response = upload(client, text, **extra)
    assert response.status_code == 302, response.content
    return ImportJob.objects.latest("pk"), client.get(response["Location"])


def test_it_imports_crm_accounts_mapped_by_hand_once_a_fixed_file_passes_the_dry_run(client, ops, scoring_setup):
    client.force_login(ops)
    job, page = _uploaded(client, CRM_ACCOUNTS, kind="accounts")
    html = page.content.decode()
    assert '<label for="id_col_0">Cust No</label>' in html  # every select has its label
    assert mapping_of(page) == {"col_0": "-", "col_1": "-", "col_2": "-", "col_3": "-"}  # names it cannot guess
    # The required field left unmapped: said on the page, nothing queued.
    refused = client.post(f"/imports/{job.pk}/mapping/", mapping_of(page))
    assert refused.status_code == 400
    assert "Choose a column for each required field of accounts: external_id." in refused.content.decode()
    job.refresh_from_db()
    assert job.status == "mapping" and not ImportJob.objects.filter(status="queued").exists()

    report = dry_run(client, job, choose(page, **BY_HAND))
    assert report.status_code == 400
    html = report.content.decode()
    assert "1 problem — nothing was imported" in html
    assert "<td>3</td><td>renewal_date</td><td>&#x27;2026-02-30&#x27; is not a date (YYYY-MM-DD)</td>" in html
    assert "Ignored column: Seats." in html
    assert f'action="/imports/{job.pk}/import/"' not in html  # no Import button under problems
    client.post(f"/imports/{job.pk}/import/")  # sent anyway: refused, nothing queued
    run_jobs()
    job.refresh_from_db()
    assert (job.status, job.dry_run, Account.objects.count()) == ("done", True, 0)
    # Back to the mapping from the report: the hand-made choice is kept.
    again = client.get(f"/imports/{job.pk}/mapping/")
    assert mapping_of(again) == {"col_0": "external_id", "col_1": "name", "col_2": "renewal_date", "col_3": "-"}

    fixed, page = _uploaded(client, CRM_ACCOUNTS.replace("2026-02-30", "2026-02-28"), kind="accounts")
    report = dry_run(client, fixed, choose(page, **BY_HAND))
    html = report.content.decode()
    assert report.status_code == 200 and "Dry run: all 2 rows valid" in html
    assert f'action="/imports/{fixed.pk}/import/"' in html and Account.objects.count() == 0
    result = import_(client, fixed)
    assert "Imported 2 rows of accounts" in result.content.decode()
    assert "2 new, 0 updated" in result.content.decode()
    assert sorted(Account.objects.values_list("external_id", "name", "renewal_date")) == [
        ("c-1", "Initech", dt.date(2026, 3, 1)), ("c-2", "Hooli", dt.date(2026, 2, 28))]
    fixed.refresh_from_db()
    assert (fixed.status, fixed.dry_run, fixed.mapping, bytes(fixed.content)) == (
        "done", False, {"Cust No": "external_id", "Customer": "name", "Renews On": "renewal_date", "Seats": "-"}, b"")
    # A second click on Import changes nothing.
    client.post(f"/imports/{fixed.pk}/import/")
    assert not ImportJob.objects.filter(status="queued").exists()


def _observations_import(client, **extra):
    job, page = _uploaded(client, OBSERVATIONS, **extra)
    assert "Dry run: all 3 rows valid" in dry_run(client, job, mapping_of(page)).content.decode()
    return import_(client, job)


def test_a_historical_observations_import_asks_for_no_recompute(client, ops, acme):
    client.force_login(ops)
    with mock.patch("scoring.ingest.recompute_enqueue") as enqueue:
        page = _observations_import(client, historical="on")
    assert "Not rescored (historical)" in page.content.decode()
    assert Observation.objects.count() == 3
    assert (enqueue.call_count, RecomputeRequest.objects.count()) == (0, 0)


def test_a_live_observations_import_asks_for_a_recompute(client, ops, acme):
    # The other side of the switch: without it, the touched account is rescored.
    client.force_login(ops)
    _observations_import(client)
    assert Observation.objects.count() == 3
    assert [r.account_ids for r in RecomputeRequest.objects.all()] == [[acme.pk]]


def test_the_mapping_page_starts_from_the_presets_names(client, ops, scoring_setup):
    client.force_login(ops)
    text = "Id,Account Name,ARR__c,Industry\n001,Acme,1000,Retail\n"
    _, page = _uploaded(client, text, kind="accounts", preset="salesforce")
    assert mapping_of(page) == {"col_0": "external_id", "col_1": "name", "col_2": "arr", "col_3": "-"}
    assert "Acme" in page.content.decode()  # the first row, to recognise each column by
    _, page = _uploaded(client, text, kind="accounts")
    assert mapping_of(page)["col_2"] == "-"  # ARR__c is Salesforce's name


def test_it_refuses_two_columns_for_one_field_on_the_page(client, ops, scoring_setup):
    client.force_login(ops)
    job, page = _uploaded(client, "id,name,company\nc-1,Initech,Initech Ltd\n", kind="accounts")
    response = client.post(f"/imports/{job.pk}/mapping/", choose(page, company="name"))
    assert response.status_code == 400
    assert "The columns &#x27;name&#x27; and &#x27;company&#x27; are both mapped to name" in response.content.decode()
    job.refresh_from_db()
    assert job.status == "mapping"


def test_it_refuses_every_step_to_staff_who_are_not_cs_ops(client, ops, manager, acme):
    client.force_login(ops)
    job, page = _uploaded(client, OBSERVATIONS)
    data = mapping_of(page)
    manager.is_staff = True
    manager.save()
    client.force_login(manager)
    assert client.get("/imports/").status_code == 403
    assert upload(client, OBSERVATIONS).status_code == 403
    assert client.get(f"/imports/{job.pk}/").status_code == 403
    assert client.get(f"/imports/{job.pk}/mapping/").status_code == 403
    assert client.post(f"/imports/{job.pk}/mapping/", data).status_code == 403
    assert client.post(f"/imports/{job.pk}/import/").status_code == 403
    job.refresh_from_db()
    assert (ImportJob.objects.count(), job.status, Observation.objects.count()) == (1, "mapping", 0)


def test_a_dry_run_whose_file_is_gone_offers_no_import(client, ops, acme):
    # Dry runs from before #14, or left a week, let their file go: nothing to import from them.
    job = ImportJob.objects.create(filename="old.csv", size=120, content=b"", dry_run=True, status="done", rows=3,
                                   created_by=ops)
    client.force_login(ops)
    page = client.get(f"/imports/{job.pk}/")
    assert "Dry run: all 3 rows valid" in page.content.decode()
    assert f'action="/imports/{job.pk}/import/"' not in page.content.decode()
    assert "The file is no longer kept" in page.content.decode()
    client.post(f"/imports/{job.pk}/import/")
    job.refresh_from_db()
    assert (job.status, job.dry_run) == ("done", True)


def test_an_unreadable_file_is_said_on_the_mapping_page(client, ops, acme):
    client.force_login(ops)
    job, page = _uploaded(client, b"\xff\xfe\x00bad,\x00header\n")
    assert page.status_code == 400
    assert "The file cannot be read: unreadable CSV" in page.content.decode()
    assert client.post(f"/imports/{job.pk}/mapping/", {}).status_code == 400
    job.refresh_from_db()
    assert job.status == "mapping"


@pytest.mark.parametrize(("kind", "preset", "text", "stored"), [
    ("contacts", "hubspot", "Associated Company ID,Email,First Name,Last Name\nacme,ann@acme.com,Ann,Lee\n",
     lambda: list(Contact.objects.values_list("account__external_id", "email", "name"))
     == [("acme", "ann@acme.com", "Ann Lee")]),
    ("outcomes", "salesforce", "AccountId,StageName,CloseDate,Amount\nacme,Closed Won,2026-10-01,1200\n",
     lambda: list(Outcome.objects.values_list("account__external_id", "kind", "date"))
     == [("acme", "renewed", dt.date(2026, 10, 1))]),
])
def test_it_imports_contacts_and_outcomes_with_a_preset(client, ops, acme, kind, preset, text, stored):
    client.force_login(ops)
    page = upload_and_import(client, text, kind=kind, preset=preset)
    assert page.status_code == 200 and f"Imported 1 row of {kind}" in page.content.decode()
    assert "1 new, 0 updated" in page.content.decode()
    assert stored()
