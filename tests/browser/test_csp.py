"""Issue #12 item 5: every page, and htmx's swaps, run under the Content-Security-Policy with no violation.

Chromium reports each blocked inline script/style, eval or foreign source as a
``securitypolicyviolation`` event; the pages of each role and their htmx interactions must raise none.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.browser.test_csm_workflow import book  # noqa: F401  (the same small book)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


def _violations(page) -> list[str]:
    return page.evaluate("window.__csp")


def _visit(page, url: str) -> list[str]:
    page.goto(url, wait_until="load")  # violations are reported while the page parses and runs
    page.wait_for_timeout(300)  # let deferred scripts (htmx, Swagger UI) start
    return _violations(page)


def test_every_roles_pages_and_htmx_swaps_raise_no_csp_violation(page, live_server, book):  # noqa: F811
    page.add_init_script(WATCH)
    log_in(page, live_server.url, "casey", "demo-pass-1")
    expect(page).to_have_url(re.compile(r"/queue/$"))
    found = {"/login/ → queue": _violations(page)}

    page.select_option("select[name=tier]", "red")  # htmx swap of the list
    expect(page.locator("article.task")).to_have_count(1)
    row = page.locator("article.task", has_text="Acme Corp")
    row.locator("summary", has_text="Start").click()  # the task is not started yet
    row.locator("textarea[name=note]").fill("Called")
    row.locator("button", has_text="Mark done").click()  # htmx post, counters refresh
    expect(page.locator("article.task", has_text="Acme Corp")).to_have_count(0)
    found["queue + htmx"] = _violations(page)

    for url in ("/accounts/yellowstone/", "/tickets/", "/accounts/"):
        found[url] = _visit(page, live_server.url + url)
    page.select_option("select[name=tier]", "yellow")  # the portfolio's htmx filter
    expect(page).to_have_url(re.compile(r"tier=yellow"))
    page.wait_for_load_state("networkidle")
    found["portfolio + htmx"] = _violations(page)

    # The same session for CS ops (one test: a second transactional test would find the roles flushed).
    page.context.clear_cookies()
    admin = User.objects.create_superuser("olivia", "olivia@example.com", "demo-pass-1")
    admin.groups.add(Group.objects.get(name="CS ops"))
    log_in(page, live_server.url, "olivia", "demo-pass-1")
    for url in ("/dashboard/", "/validation/", "/admin/", "/admin/accounts/account/",
                f"/admin/accounts/account/{book['acme'].pk}/change/", "/admin/scoring/signaldefinition/add/",
                "/badge/acme", "/api/docs/"):
        found[url] = _visit(page, live_server.url + url)
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Healthscore API")
    assert {where: v for where, v in found.items() if v} == {}
