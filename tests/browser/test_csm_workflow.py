"""A CSM logs in, filters the queue, completes a task, and reads an account's explanation and chart."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Team
from playbooks.models import Playbook, PlaybookStep, Task
from scoring.models import AccountScore, ScoreSnapshot
from tests.browser.conftest import log_in
from tests.factories import AccountFactory, standard_scoring_setup
from tests.ui.conftest import components, tier_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def book(transactional_db):
    setup = standard_scoring_setup()
    csm = User.objects.create_user("casey", password="demo-pass-1", first_name="Casey", last_name="Morgan")
    csm.groups.add(Group.objects.get_or_create(name="CSM")[0])
    team = Team.objects.create(name="East")
    team.members.add(csm)
    red_pb = Playbook.objects.create(name="Red rescue", trigger_kind="enter_tier", tier="red", severity="high")
    red_step = PlaybookStep.objects.create(playbook=red_pb, order=1, title="Call the champion")
    yellow_pb = Playbook.objects.create(name="Yellow check-in", trigger_kind="enter_tier", tier="yellow", severity="medium")
    yellow_step = PlaybookStep.objects.create(playbook=yellow_pb, order=1, title="Wellness check-in")
    today = timezone.localdate()
    accounts = {}
    for name, ext, score, pb, step in (("Acme Corp", "acme", 38.0, red_pb, red_step),
                                       ("Yellowstone", "yellowstone", 61.0, yellow_pb, yellow_step)):
        account = AccountFactory(name=name, external_id=ext, owner=csm, team=team, arr=80000)
        tier = tier_for(score)
        AccountScore.objects.create(account=account, score=score, raw_tier=tier, tier=tier, trend="gradual_decline",
                                    delta_7=-3, delta_30=-11, delta_90=-20, model_version=setup.version,
                                    computed_at=timezone.now(), components=components(score))
        history = [score + 20 - i * 2 for i in range(11)]
        ScoreSnapshot.objects.bulk_create(
            ScoreSnapshot(account=account, date=today - dt.timedelta(days=10 - i), score=s, raw_tier=tier_for(s),
                          tier=tier_for(s), model_version=setup.version)
            for i, s in enumerate(history)
        )
        Task.objects.create(account=account, playbook=pb, step=step, team=team, assignee=csm, title=step.title,
                            severity=pb.severity, due_at=timezone.now() + dt.timedelta(hours=5))
        accounts[ext] = account
    return accounts


def test_it_lets_a_csm_filter_complete_and_understand(page, live_server, book):
    log_in(page, live_server.url, "casey", "demo-pass-1")
    expect(page).to_have_url(re.compile(r"/queue/$"))
    counter = page.locator('#nav-counts [data-count="open"]')
    expect(counter).to_have_text("2")
    rows = page.locator("article.task")
    expect(rows).to_have_count(2)

    # Popovers: one open at a time; Escape closes it and gives focus back to its button.
    first, second = rows.nth(0), rows.nth(1)
    first.locator("summary", has_text="More").click()
    # The open popover covers the row below, so the next one is opened from the keyboard.
    second.locator("summary", has_text="Start").focus()
    page.keyboard.press("Enter")
    expect(page.locator("details.act[open]")).to_have_count(1)
    expect(second.locator("details.act").first).to_have_attribute("open", "")
    second.locator("textarea[name=note]").focus()
    page.keyboard.press("Escape")
    expect(page.locator("details.act[open]")).to_have_count(0)
    expect(second.locator("summary", has_text="Start")).to_be_focused()
    # Four tab stops per row: the tick, the account, Start, More.
    stops = rows.nth(0).locator("a, button, input, select, textarea, summary").filter(visible=True)
    expect(stops).to_have_count(4)

    # Filter by tier: htmx swaps the list, the URL follows, the back button restores.
    page.select_option("select[name=tier]", "red")
    expect(rows).to_have_count(1)
    expect(page).to_have_url(re.compile(r"tier=red"))
    expect(rows.first).to_contain_text("Acme Corp")
    page.go_back()
    expect(rows).to_have_count(2)
    page.go_forward()
    expect(rows).to_have_count(1)

    # Complete the red task with a note: the row leaves and the counter drops.
    row = page.locator("article.task", has_text="Acme Corp")
    row.locator("summary", has_text="Start").click()
    row.locator("textarea[name=note]").fill("Called Dana; agreed a save plan")
    row.locator("button", has_text="Mark done").click()
    expect(page.locator("article.task", has_text="Acme Corp")).to_have_count(0)
    expect(counter).to_have_text("1")
    expect(page.locator("#queue-count")).to_have_text("· 0 open tasks")
    task = Task.objects.get(account=book["acme"])
    assert task.status == "done" and task.outcome_note == "Called Dana; agreed a save plan"

    # Inline validation: an empty dismiss reason stays on the row with the message.
    page.select_option("select[name=tier]", "")
    other = page.locator("article.task", has_text="Yellowstone")
    other.locator("summary", has_text="More").click()
    other.locator("button", has_text="Dismiss").click()
    expect(page.locator("article.task", has_text="Yellowstone")).to_contain_text("Say why this task is dismissed.")

    # Open the account: explanation table and chart.
    page.locator("a.account-link", has_text="Yellowstone").click()
    expect(page).to_have_url(re.compile(r"/accounts/yellowstone/$"))
    explain = page.locator("#explanation table")
    expect(explain).to_contain_text("Logins per week")
    expect(explain).to_contain_text("no data since 3 Nov")
    expect(page.locator("#history svg.chart circle.point")).to_have_count(11)
    expect(page.locator("#history svg.chart polyline.score-line")).to_have_count(1)
