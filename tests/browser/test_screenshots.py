"""Screenshots for the README from the demo book: SCREENSHOTS=1 pytest tests/browser -m browser.

Deselected unless SCREENSHOTS=1 (seeding the demo book takes about two minutes).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import Count, Q
from playwright.sync_api import expect

from accounts.models import Account
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.screenshots, pytest.mark.django_db(transaction=True)]
OUT = Path(settings.BASE_DIR) / "docs" / "screenshots"


def test_it_saves_screenshots_of_the_queue_account_and_dashboard(browser, live_server):
    call_command("seed_demo", verbosity=0)
    OUT.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-GB")
    page = context.new_page()
    log_in(page, live_server.url, "csm", "demo")
    expect(page.locator("article.task").first).to_be_visible()
    first = page.locator("article.task").first
    first.locator("summary", has_text="Start").click()
    first.locator(".checklist input[type=checkbox]").first.check()
    first = page.locator("article.task").first
    expect(first.locator(".checklist input[type=checkbox]").first).to_be_checked()
    first.locator("textarea[name=note]").fill("Spoke to the champion: rollout restarts Monday")
    page.screenshot(path=str(OUT / "queue.png"))

    account = (
        Account.objects.filter(owner__username="csm", status="active", score__tier="red")
        .annotate(open_tasks=Count("tasks", filter=Q(tasks__status="open"), distinct=True),
                  changes=Count("score_changes", distinct=True))
        .order_by("-open_tasks", "-changes", "-arr")
        .first()
    )
    page.goto(f"{live_server.url}/accounts/{account.external_id}/")
    expect(page.locator("#history svg.chart")).to_be_visible()
    page.screenshot(path=str(OUT / "account.png"), full_page=True)
    context.close()

    context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-GB")
    page = context.new_page()
    log_in(page, live_server.url, "manager", "demo")
    page.goto(f"{live_server.url}/dashboard/")
    expect(page.locator("svg.chart.bars").first).to_be_visible()
    page.screenshot(path=str(OUT / "dashboard.png"), full_page=True)
    context.close()

    # The phone: the same CSM's queue and account page at 390 px, the nav folded behind Menu.
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB", device_scale_factor=2)
    page = context.new_page()
    log_in(page, live_server.url, "csm", "demo")
    expect(page.locator("article.task").first).to_be_visible()
    page.screenshot(path=str(OUT / "queue-phone.png"))
    page.goto(f"{live_server.url}/accounts/{account.external_id}/")
    expect(page.locator("#history svg.chart")).to_be_visible()
    page.screenshot(path=str(OUT / "account-phone.png"))
    context.close()
    for name in ("queue.png", "account.png", "dashboard.png", "queue-phone.png", "account-phone.png"):
        assert (OUT / name).stat().st_size > 20_000
