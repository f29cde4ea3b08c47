"""Playwright (sync API) driving Debian's Chromium against pytest-django's live_server."""

from __future__ import annotations

import os

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from
# the test body are still synchronous and safe here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-quic", "--disable-gpu"]


def pytest_configure(config):
    config.addinivalue_line("markers", "screenshots: regenerates docs/screenshots from the demo book (SCREENSHOTS=1)")


def pytest_collection_modifyitems(config, items):
    """The screenshot run re-seeds the demo book (minutes): only with SCREENSHOTS=1."""
    if os.environ.get("SCREENSHOTS") == "1":
        return
    keep = [item for item in items if "screenshots" not in item.keywords]
    dropped = [item for item in items if "screenshots" in item.keywords]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def log_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
