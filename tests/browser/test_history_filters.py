"""Back and forward keep the filter controls in step with the results: queue, portfolio, tickets.

The results come back from htmx's history cache; the form must say what the URL says, and the next
filter change must keep every other filter of that URL (it used to drop them silently).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Team
from playbooks.models import Playbook, PlaybookStep, Task
from scoring.models import AccountScore
from support.models import Ticket
from tests.browser.conftest import log_in
from tests.factories import AccountFactory, standard_scoring_setup
from tests.ui.conftest import components, tier_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(transactional_db):
    setup = standard_scoring_setup()
    manager = User.objects.create_user("morgan", password="demo-pass-1", first_name="Morgan")
    manager.groups.add(Group.objects.get_or_create(name="CS manager")[0])
    csm = User.objects.create_user("casey", password="demo-pass-1", first_name="Casey")
    csm.groups.add(Group.objects.get_or_create(name="CSM")[0])
    team = Team.objects.create(name="East", manager=manager)
    team.members.add(csm)
    playbook = Playbook.objects.create(name="Check-in", trigger_kind="enter_tier", tier="yellow", severity="medium")
    step = PlaybookStep.objects.create(playbook=playbook, order=1, title="Call them")
    now = timezone.now()
    for i, (name, score, trend, owner) in enumerate((
        ("Red Casey", 30.0, "rapid_decline", csm), ("Red Morgan", 35.0, "stable", manager),
        ("Yellow Casey", 60.0, "stable", csm), ("Green Casey", 85.0, "improving", csm),
    )):
        account = AccountFactory(name=name, external_id=f"acc-{i}", owner=owner, team=team, arr=10000 * (i + 1))
        tier = tier_for(score)
        AccountScore.objects.create(account=account, score=score, raw_tier=tier, tier=tier, trend=trend,
                                    model_version=setup.version, computed_at=now, components=components(score))
        Task.objects.create(account=account, playbook=playbook, step=step, team=team, assignee=owner, title=f"Call {name}",
                            severity="medium", due_at=now + dt.timedelta(hours=5 + i))
        for status in ("open", "solved"):
            Ticket.objects.create(external_id=f"{i}-{status}", account=account, subject=f"{name} {status}", status=status,
                                  opened_at=now - dt.timedelta(days=2), updated_at=now - dt.timedelta(hours=i))
    return {"manager": manager, "csm": csm}


def _titles(page, selector: str) -> list[str]:
    return sorted(page.locator(selector).all_inner_texts())


def test_it_keeps_the_queue_filters_in_step_on_back_and_forward(page, live_server, world):
    log_in(page, live_server.url, "morgan", "demo-pass-1")
    page.goto(f"{live_server.url}/queue/")
    rows = page.locator("article.task")
    expect(rows).to_have_count(1)  # the manager's own queue: Red Morgan
    page.select_option("#id_who", str(world["csm"].pk))
    expect(rows).to_have_count(3)
    page.select_option("select[name=tier]", "red")
    expect(rows).to_have_count(1)
    expect(page).to_have_url(re.compile(rf"who={world['csm'].pk}&tier=red$"))

    page.go_back()
    expect(rows).to_have_count(3)
    expect(page.locator("select[name=tier]")).to_have_value("")
    expect(page.locator("#id_who")).to_have_value(str(world["csm"].pk))
    page.go_back()
    expect(rows).to_have_count(1)
    expect(page.locator("#id_who")).to_have_value("")
    page.go_forward()
    page.go_forward()
    expect(rows).to_have_count(1)
    expect(page.locator("select[name=tier]")).to_have_value("red")
    expect(page.locator("#id_who")).to_have_value(str(world["csm"].pk))

    # Back once more, then change another filter: the queue chosen in that URL is kept.
    page.go_back()
    expect(page.locator("select[name=tier]")).to_have_value("")
    page.select_option("select[name=tier]", "green")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Green Casey")
    expect(page).to_have_url(re.compile(rf"who={world['csm'].pk}&tier=green$"))


def test_it_keeps_the_portfolio_filters_in_step_on_back_and_forward(page, live_server, world):
    log_in(page, live_server.url, "morgan", "demo-pass-1")
    page.goto(f"{live_server.url}/accounts/")
    rows = page.locator("#portfolio-results tbody tr")
    expect(rows).to_have_count(4)
    page.select_option("select[name=tier]", "red")
    expect(rows).to_have_count(2)
    page.select_option("select[name=trend]", "rapid_decline")
    expect(rows).to_have_count(1)
    page.go_back()
    expect(rows).to_have_count(2)
    expect(page.locator("select[name=trend]")).to_have_value("")
    expect(page.locator("select[name=tier]")).to_have_value("red")
    page.go_back()
    expect(rows).to_have_count(4)
    expect(page.locator("select[name=tier]")).to_have_value("")
    page.go_forward()
    expect(rows).to_have_count(2)
    expect(page.locator("select[name=tier]")).to_have_value("red")
    page.select_option("select[name=trend]", "stable")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Red Morgan")
    expect(page).to_have_url(re.compile(r"tier=red&trend=stable"))


def test_it_keeps_the_ticket_filters_in_step_on_back_and_forward(page, live_server, world):
    log_in(page, live_server.url, "morgan", "demo-pass-1")
    page.goto(f"{live_server.url}/tickets/")
    rows = page.locator("#ticket-results tbody tr")
    expect(rows).to_have_count(8)
    page.select_option("select[name=tier]", "red")
    expect(rows).to_have_count(4)
    page.select_option("select[name=status]", "open")
    expect(rows).to_have_count(2)
    page.go_back()
    expect(rows).to_have_count(4)
    expect(page.locator("select[name=status]")).to_have_value("")
    expect(page.locator("select[name=tier]")).to_have_value("red")
    page.go_back()
    expect(rows).to_have_count(8)
    expect(page.locator("select[name=tier]")).to_have_value("")
    page.go_forward()
    expect(page.locator("select[name=tier]")).to_have_value("red")
    page.select_option("select[name=status]", "solved")
    expect(rows).to_have_count(2)
    expect(page).to_have_url(re.compile(r"tier=red&status=solved"))
