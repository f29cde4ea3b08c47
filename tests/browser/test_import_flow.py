"""#14: the admin's CSV import by keyboard on a 375 px phone — labels, no sideways scroll, no axe finding
(on a desktop either)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts.models import Account
from support.models import ImportJob
from support.tasks import import_job_run
from tests.browser.axe import audit, overflow_px
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSV = b"Cust No,Customer,Company Domain Name,Number of Employees\nc-1,Initech,initech.com,120\nc-2,Hooli,hooli.xyz,40\n"


def _fits(page) -> None:
    """On the phone: no sideways scroll; on the phone and on a desktop: no serious axe finding."""
    assert overflow_px(page) == 0, "the page scrolls sideways"
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        found = audit(page)
        assert found == [], (width, [v["nodes"] for v in found])
    page.set_viewport_size({"width": 375, "height": 800})


def test_it_imports_accounts_by_keyboard_on_a_phone(browser, live_server, ops, scoring_setup):
    context = browser.new_context(viewport={"width": 375, "height": 800}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server.url, "ops", "pw")
    page.goto(f"{live_server.url}/imports/?kind=accounts")
    _fits(page)
    page.get_by_label("CSV file").set_input_files({"name": "crm.csv", "mimeType": "text/csv", "buffer": CSV})
    page.get_by_label("Column names from").select_option("hubspot")
    page.get_by_role("button", name="Upload and map the columns").press("Enter")
    page.wait_for_url("**/mapping/")
    _fits(page)
    # Each column's select is named by the column; chosen from the keyboard.
    cust = page.get_by_label("Cust No")
    cust.focus()
    cust.select_option("external_id")
    expect(page.get_by_label("Customer")).to_have_value("-")
    page.get_by_label("Customer").select_option("name")
    expect(page.get_by_label("Company Domain Name")).to_have_value("domain")  # the preset's name
    page.get_by_role("button", name="Check every row (dry run)").press("Enter")
    page.wait_for_url("**/imports/*/")
    job = ImportJob.objects.get()
    import_job_run(job.pk)  # the worker
    page.reload()
    expect(page.get_by_role("heading", name="Dry run: all 2 rows valid")).to_be_visible()
    _fits(page)
    page.get_by_role("button", name="Import 2 rows").press("Enter")
    page.wait_for_load_state("networkidle")
    import_job_run(job.pk)
    page.reload()
    expect(page.get_by_role("heading", name="Imported 2 rows of accounts")).to_be_visible()
    _fits(page)
    assert sorted(Account.objects.values_list("external_id", "name")) == [("c-1", "Initech"), ("c-2", "Hooli")]
    context.close()
