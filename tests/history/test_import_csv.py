"""manage.py import_csv: CRM column names, presets, --map, streaming batches, clear errors, --historical."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Account, AccountDomain, Contact, Outcome
from playbooks.models import Notification, Task
from scoring.models import AccountScore, Observation, Segment

HUBSPOT_ACCOUNTS = """Record ID,Company name,Company Domain Name,Website URL,Company owner,Lifecycle Stage,Segment,Contract start date,Renewal date,Annual Recurring Revenue,Number of Employees
hs-1,Acme,acme.com,https://www.acme.com/about,Alice@Example.com,customer,SMB,2025-01-15,2026-01-15,"$48,000",120
hs-2,Globex,,http://globex.io,,opportunity,smb,,,0,40
"""


def _write(tmp_path, text: str, name: str = "in.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _run(*args) -> str:
    out = io.StringIO()
    call_command("import_csv", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def smb(scoring_setup):
    return Segment.objects.create(name="SMB", slug="smb")


def test_it_imports_a_hubspot_company_export(tmp_path, smb, alice):
    out = _run("accounts", _write(tmp_path, HUBSPOT_ACCOUNTS), "--preset", "hubspot")
    assert "Imported 2 accounts row(s): 2 created, 0 updated" in out
    assert "Ignored column(s): Number of Employees" in out
    acme = Account.objects.get(external_id="hs-1")
    assert (acme.name, acme.segment, acme.owner, acme.arr, acme.lifecycle_stage) == (
        "Acme", smb, alice, Decimal("48000.00"), "adoption")
    assert (acme.contract_start, acme.renewal_date) == (dt.date(2025, 1, 15), dt.date(2026, 1, 15))
    assert sorted(AccountDomain.objects.values_list("domain", "account__external_id")) == [
        ("acme.com", "hs-1"), ("globex.io", "hs-2")]
    assert Account.objects.get(external_id="hs-2").lifecycle_stage == "onboarding"
    # Again with a changed field: updated in place, nothing duplicated, unmapped fields kept.
    _run("accounts", _write(tmp_path, "Record ID,Annual Recurring Revenue\nhs-1,50000\n"), "--preset", "hubspot")
    acme.refresh_from_db()
    assert (acme.arr, acme.name, acme.owner) == (Decimal("50000.00"), "Acme", alice)
    assert Account.objects.count() == 2


def test_it_maps_columns_by_hand_and_refuses_what_it_cannot_map(tmp_path, smb):
    text = "Cust No,Customer,Seats\nc-1,Initech,10\n"
    with pytest.raises(CommandError, match="no column for required field"):
        _run("accounts", _write(tmp_path, text))
    _run("accounts", _write(tmp_path, text), "--map", "Cust No=external_id", "--map", "Customer=name",
         "--map", "Seats=-")
    assert Account.objects.filter(external_id="c-1", name="Initech").exists()
    with pytest.raises(CommandError, match="'seats' is not a field of accounts"):
        _run("accounts", _write(tmp_path, text), "--map", "Seats=seats")


def test_a_bad_row_names_line_field_and_reason_and_nothing_is_saved(tmp_path, smb, capsys):
    text = ("external_id,name,segment,renewal_date,domain\n"
            "a-1,One,SMB,2026-01-01,one.com\n"
            "a-2,Two,SMB,2026-01-01,two.com\n"
            "a-3,Three,Enterprise,2026-02-30,three.com\n"
            "a-4,,SMB,,not_a_domain\n"
            "a-5,,SMB,,\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match=r"4 error\(s\) in .*, first line 4, field segment: .*; nothing was imported"):
        call_command("import_csv", "accounts", _write(tmp_path, text), "--batch-size", "2", stdout=io.StringIO(),
                     stderr=err)
    assert [line for line in err.getvalue().splitlines() if line.startswith("line")] == [
        "line 4, field segment: no segment with name or slug 'Enterprise'",
        "line 4, field renewal_date: '2026-02-30' is not a date (YYYY-MM-DD)",
        "line 5, field domain: 'not_a_domain' is not a domain or website",
        "line 6, field name: is required to create an account",
    ]
    assert not Account.objects.exists()  # the valid first batch was not stored either


def test_a_dry_run_stores_nothing(tmp_path, smb):
    out = _run("accounts", _write(tmp_path, "external_id,name\nx-1,X\n"), "--dry-run")
    assert "Checked 1 accounts row(s): all valid; nothing stored." in out
    assert not Account.objects.exists()


def test_contacts_need_only_an_email(tmp_path, smb):
    _run("accounts", _write(tmp_path, "external_id,name\nacme,Acme\n"))
    text = "account_external_id,Email,Job Title,Role\nacme,dana@acme.com,CTO,Champion\nacme,ed@acme.com,,\n"
    _run("contacts", _write(tmp_path, text))
    contacts = sorted(Contact.objects.values_list("email", "name", "title", "role"))
    assert contacts == [("dana@acme.com", "", "CTO", "champion"), ("ed@acme.com", "", "", "user")]
    _run("contacts", _write(tmp_path, "Associated Company ID,Email,First Name,Last Name\nacme,dana@acme.com,Dana,S\n"),
         "--preset", "hubspot")
    assert Contact.objects.get(email="dana@acme.com").name == "Dana S"
    assert Contact.objects.count() == 2


def test_outcomes_end_accounts_and_observations_are_stored_without_rescoring_when_historical(
        tmp_path, scoring_setup, alice, team):
    _run("accounts", _write(tmp_path, "external_id,name,owner\nacme,Acme,alice\nglobex,Globex,alice\n"),
         "--historical")
    obs = "account_external_id,signal_key,value,timestamp\n" + "".join(
        f"{a},weekly_logins,{v},2025-06-{d:02d}T10:00:00Z\n" for d in range(1, 29) for a, v in (("acme", 1),
                                                                                              ("globex", 20)))
    out = _run("observations", _write(tmp_path, obs), "--historical", "--batch-size", "10")
    assert "Imported 56 observations row(s) (historical: not rescored): 56 created" in out
    outcomes = "Company ID,Outcome,Close Date,Amount\nacme,Churn,2025-07-01,-48000\nglobex,renewal,2025-07-01,0\n"
    _run("outcomes", _write(tmp_path, outcomes), "--map", "Company ID=account", "--historical")
    assert Observation.objects.count() == 56
    assert sorted(Outcome.objects.values_list("account__external_id", "kind")) == [("acme", "churned"),
                                                                                     ("globex", "renewed")]
    acme = Account.objects.get(external_id="acme")
    assert (acme.status, acme.churned_on) == ("churned", dt.date(2025, 7, 1))
    assert not AccountScore.objects.exists()  # no recompute per row
    assert not Task.objects.exists() and not Notification.objects.exists()
    # The same file again stores nothing twice.
    out = _run("observations", _write(tmp_path, obs), "--historical")
    assert "0 created, 0 updated, 56 already present" in out


def test_a_live_import_rescores_the_touched_accounts(tmp_path, scoring_setup, django_capture_on_commit_callbacks):
    _run("accounts", _write(tmp_path, "external_id,name\nacme,Acme\n"), "--historical")
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with django_capture_on_commit_callbacks(execute=True):
        _run("observations", _write(tmp_path, f"account,signal,value,observed_at\nacme,weekly_logins,20,{now.isoformat()}\n"))
    assert AccountScore.objects.filter(account__external_id="acme").exists()


def test_it_streams_in_batches(tmp_path, scoring_setup, monkeypatch):
    """One read of the file; one batch in memory at a time, staged in the database (never the whole file)."""
    from scoring.ingest import ObservationStage

    _run("accounts", _write(tmp_path, "external_id,name\nacme,Acme\n"))
    sizes: list[int] = []
    real = ObservationStage.write

    def spy(self, encoded):
        sizes.append(encoded[0])
        return real(self, encoded)

    monkeypatch.setattr(ObservationStage, "write", spy)
    obs = "account,signal,value,observed_at\n" + "".join(
        f"acme,weekly_logins,{d % 7},2025-01-01T00:{d // 60:02d}:{d % 60:02d}Z\n" for d in range(250))
    _run("observations", _write(tmp_path, obs), "--historical", "--batch-size", "100")
    assert sizes == [100, 100, 50]
    assert Observation.objects.count() == 250


def test_a_bad_row_after_staged_batches_stores_nothing(tmp_path, scoring_setup):
    """The batches before the bad line were staged already: none of them reaches the table."""
    _run("accounts", _write(tmp_path, "external_id,name\nacme,Acme\n"))
    rows = "".join(f"acme,weekly_logins,{d % 7},2025-01-01T00:{d // 60:02d}:{d % 60:02d}Z\n" for d in range(250))
    obs = "account,signal,value,observed_at\n" + rows + "acme,weekly_logins,lots,2025-01-02T00:00:00Z\n"
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_csv", "observations", _write(tmp_path, obs), "--historical", "--batch-size", "100",
                     stdout=io.StringIO(), stderr=err)
    assert "line 252, field value: must be a number, got 'lots'" in err.getvalue()
    assert not Observation.objects.exists()
    # …and the same file, fixed, imports whole: nothing of the failed attempt is left over.
    out = _run("observations", _write(tmp_path, "account,signal,value,observed_at\n" + rows), "--historical")
    assert "250 created, 0 updated, 0 already present" in out


def test_a_key_repeated_in_the_file_keeps_its_first_row(tmp_path, scoring_setup, monkeypatch):
    from scoring.ingest import ObservationStage

    monkeypatch.setattr(ObservationStage, "CHUNK_ROWS", 2)  # the repeats arrive after their first row was moved
    _run("accounts", _write(tmp_path, "external_id,name\nacme,Acme\nglobex,Globex\n"))
    obs = ("account,signal,value,observed_at,key\n"
           "acme,weekly_logins,3,2025-01-01T00:00:00Z,\n"
           "globex,weekly_logins,9,2025-01-01T00:00:00Z,k-1\n"
           "acme,weekly_logins,5,2025-01-01T00:00:00Z,\n"      # the same default key as line 2
           "globex,weekly_logins,1,2025-01-02T00:00:00Z,k-1\n")  # the same client key as line 3
    out = _run("observations", _write(tmp_path, obs), "--historical", "--batch-size", "1")
    assert "2 created, 0 updated, 2 already present" in out
    stored = sorted(Observation.objects.values_list("account__external_id", "value"))
    assert stored == [("acme", 3.0), ("globex", 9.0)]


def test_a_date_outside_the_apis_bounds_is_a_line_error(tmp_path, smb):
    """0001-01-01 parses as a date, but date windows around it overflow later: refused like the API does."""
    text = "external_id,name,segment,renewal_date\nd-1,Old,SMB,0001-01-01\n"
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_csv", "accounts", _write(tmp_path, text), stdout=io.StringIO(), stderr=err)
    assert "line 2, field renewal_date: must be between 1900-01-01 and 2999-12-31" in err.getvalue()
    assert not Account.objects.exists()


def test_a_source_with_tabs_backslashes_and_line_breaks_is_stored_as_written(tmp_path, scoring_setup):
    """PostgreSQL's rows go through COPY's text format: its special characters must arrive unchanged."""
    _run("accounts", _write(tmp_path, "external_id,name\nacme,Acme\n"))
    source = "crm\\export\tv2\nnight"
    obs = f'account,signal,value,observed_at,source\nacme,weekly_logins,3,2025-01-01T00:00:00Z,"{source}"\n'
    _run("observations", _write(tmp_path, obs), "--historical")
    assert list(Observation.objects.values_list("source", flat=True)) == [source]


def test_a_dry_run_counts_new_and_already_stored_rows_across_the_whole_file(tmp_path, scoring_setup):
    _run("accounts", _write(tmp_path, "external_id,name\nacme,Acme\n"))
    _run("observations", _write(tmp_path, "account,signal,value,observed_at\nacme,weekly_logins,1,2025-01-01T00:00:00Z\n"),
         "--historical")
    obs = ("account,signal,value,observed_at\n"
           "acme,weekly_logins,1,2025-01-01T00:00:00Z\n"   # stored already
           "acme,weekly_logins,2,2025-01-02T00:00:00Z\n"   # new
           "acme,weekly_logins,2,2025-01-02T00:00:00Z\n")  # the line before, in another batch
    from support.imports.run import csv_import

    path = _write(tmp_path, obs)
    report = csv_import(kind="observations", open_lines=lambda: open(path, encoding="utf-8"), dry_run=True,
                        batch_size=1)
    assert (report.rows, report.created, report.duplicates) == (3, 1, 2)
    assert Observation.objects.count() == 1


def test_a_domain_given_to_two_accounts_in_different_batches_is_refused(tmp_path, smb):
    """Before: each batch was checked alone, so the second account's domain was dropped without a word."""
    text = "external_id,name,domain\nd-1,One,one.example\nd-2,Two,https://www.one.example/\n"
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_csv", "accounts", _write(tmp_path, text), "--batch-size", "1",
                     stdout=io.StringIO(), stderr=err)
    assert "line 3, field domain: one.example is also given to 'd-1' (line 2)" in err.getvalue()
    assert not Account.objects.exists() and not AccountDomain.objects.exists()


def test_a_contact_repeated_in_another_batch_is_refused_like_one_in_the_same_batch(tmp_path, smb):
    _run("accounts", _write(tmp_path, "external_id,name\nacme,Acme\n"))
    text = "account,email,name\nacme,ann@acme.com,Ann\nacme,bob@acme.com,Bob\nacme,ANN@acme.com,Ann B\n"
    for batch in ("1", "10"):
        err = io.StringIO()
        with pytest.raises(CommandError, match="nothing was imported"):
            call_command("import_csv", "contacts", _write(tmp_path, text), "--batch-size", batch,
                         stdout=io.StringIO(), stderr=err)
        assert "line 4, field email: repeats the contact of line 2" in err.getvalue()
    assert not Contact.objects.exists()
