"""Validation and preview take seconds (a minute on a large book): the page says what is running.

The test stops the navigation itself right after the page's own handlers ran (a window listener, last in
the bubbling order, cancels it), so the status line can be read on the page that started it.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.factories import standard_scoring_setup

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOLD = """() => { for (const kind of ['click', 'submit']) {
  window.addEventListener(kind, e => { if (e.target.closest('[data-busy]')) e.preventDefault(); }); } }"""


def test_it_shows_progress_while_the_backtest_runs(page, live_server, transactional_db):
    standard_scoring_setup()
    manager = User.objects.create_user("morgan", password="demo-pass-1")
    manager.groups.add(Group.objects.get_or_create(name="CS manager")[0])
    log_in(page, live_server.url, "morgan", "demo-pass-1")
    busy = page.locator("#busy")

    page.goto(f"{live_server.url}/accounts/")
    expect(busy).to_be_hidden()
    page.evaluate(HOLD)
    page.locator("nav a.navlink", has_text="Validation").dispatch_event("click")
    expect(busy).to_be_visible()
    expect(busy).to_have_attribute("role", "status")
    expect(busy).to_contain_text("Running the backtest")
    expect(page.locator("#main")).to_have_attribute("aria-busy", "true")

    # "Run backtest" says so too, and cannot be pressed twice while it runs.
    page.goto(f"{live_server.url}/validation/")
    expect(busy).to_be_hidden()
    state = page.evaluate("""() => {
        window.addEventListener('submit', e => e.preventDefault());
        const button = [...document.querySelectorAll('form[data-busy] button')].find(b => b.textContent.includes('Run backtest'));
        button.click();
        return new Promise(done => setTimeout(() => done({hidden: document.getElementById('busy').hidden,
            text: document.getElementById('busy').textContent, disabled: button.disabled}), 50));
    }""")
    assert state["hidden"] is False and "Running the backtest" in state["text"] and state["disabled"] is True
