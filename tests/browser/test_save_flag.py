""""Save flag" on the account page: the new score, the banner and the new task show at once, no reload.

The form promises "the score is recomputed at once": the recompute runs before the answer, and htmx
swaps the page's main region in place (the document is the same one, which a marker on ``window``
proves: a reload or a navigation would lose it).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from playbooks.models import Task
from scoring.models import AccountScore
from tests.browser.conftest import log_in
from tests.playbooks.engine_world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_shows_the_new_score_banner_and_tasks_without_a_reload(page, live_server, transactional_db):
    world = build_world(timezone.now())
    assert AccountScore.objects.get(account=world.account).score == 90
    log_in(page, live_server.url, "alice", "pw")
    page.goto(f"{live_server.url}/accounts/acme/")
    expect(page.locator(".big-score")).to_contain_text("90")
    expect(page.locator(".banner.override")).to_have_count(0)
    page.evaluate("() => { window.__sameDocument = true; }")

    form = page.locator("#override form")
    form.locator("select[name=reason]").select_option("champion_left")
    form.locator("select[name=effect]").select_option("cap")
    form.locator("input[name=value]").fill("40")
    form.locator("input[name=expires]").fill((timezone.localdate() + dt.timedelta(days=30)).isoformat())
    form.locator("textarea[name=note]").fill("Dana left; no successor yet")
    form.locator("button", has_text="Save flag").click()

    expect(page.locator(".big-score")).to_contain_text("40")
    expect(page.locator(".big-score")).to_have_class("big-score tier-red")
    expect(page.locator(".banner.override")).to_contain_text("Champion left")
    expect(page.locator("#tasks")).to_contain_text("Call the champion")
    expect(page.locator("#changes")).to_contain_text("90 → 40")
    expect(page.locator("#override")).to_contain_text("Active: Champion left")
    assert page.evaluate("() => window.__sameDocument === true"), "the page was reloaded"
    assert Task.objects.filter(account=world.account, status="open").count() == 1
