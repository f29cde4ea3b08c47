"""Every page, every role, at 1280 px and 390 px: axe-core finds no serious or critical violation and
nothing scrolls sideways on a phone.

One demo book, one browser (the session's), one context per role: each page is loaded once and
audited at both widths (the viewport is resized in place), so the sweep costs one page load per page
and role. The failures are collected and reported together, so one run shows everything left to fix.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Count

from accounts.models import Account
from playbooks.models import Task
from scoring.models import ScoreModelVersion
from tests.browser.axe import audit, overflow_px
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (1280, 390)
ROLES = ("csm", "manager", "support", "admin")


def _pages(role: str) -> list[str]:
    """The pages a person of this role can open, every kind once (an account page, not every account)."""
    account = Account.objects.annotate(n=Count("tasks")).order_by("-n", "pk").first()
    task_account = f"/accounts/{account.external_id}/"
    common = ["/accounts/", task_account, f"{task_account}timeline/", "/tickets/", "/accounts/no-such-account/"]
    if role == "support":
        return common
    work = ["/queue/", "/queue/?view=snoozed", "/overrides/", "/book/"]
    if role == "csm":
        return work + common
    manager_pages = ["/dashboard/", "/validation/", f"/queue/?who={_csm_id()}"]
    if role == "manager":
        return work + manager_pages + common
    version = ScoreModelVersion.objects.order_by("-pk").first()
    draft = ScoreModelVersion.objects.filter(status="draft").order_by("-pk").first()
    return work + manager_pages + common + [f"/validation/preview/{draft.pk}/",
        "/admin/", "/admin/scoring/scoremodelversion/", f"/admin/scoring/scoremodelversion/{version.pk}/change/",
        "/admin/scoring/auditevent/", "/admin/playbooks/playbook/", "/admin/support/apitoken/", "/imports/",
    ]


def _csm_id() -> int:
    from django.contrib.auth.models import User

    return User.objects.get(username="csm").pk


def test_it_finds_no_serious_violation_and_no_sideways_scroll_on_any_page(browser, live_server):
    call_command("seed_demo", "--accounts", "16", "--days", "100", verbosity=0)
    assert Task.objects.exists()
    from django.contrib.auth.models import User

    from scoring.versions import version_clone_as_draft

    published = ScoreModelVersion.objects.filter(status="published").order_by("pk").first()
    version_clone_as_draft(version=published, actor=User.objects.get(username="admin"))  # for the preview page
    failures: list[str] = []
    figures = {"pages": 0, "audits": 0, "violations": 0, "overflowing": 0}

    def check(page, role: str, path: str, width: int) -> None:
        figures["audits"] += 1
        for v in audit(page):
            figures["violations"] += 1
            failures.append(f"{role} {width}px {path}: {v['impact']} {v['id']} ({v['help']}) {v['nodes']}")
        if width < 640 and (extra := overflow_px(page)):
            figures["overflowing"] += 1
            failures.append(f"{role} {width}px {path}: scrolls sideways by {extra}px")

    anonymous = browser.new_context(viewport={"width": WIDTHS[0], "height": 900}, locale="en-GB")
    page = anonymous.new_page()
    for path in ("/login/",):
        page.goto(f"{live_server.url}{path}")
        figures["pages"] += 1
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            check(page, "anonymous", path, width)
    anonymous.close()

    for role in ROLES:
        context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900}, locale="en-GB")
        page = context.new_page()
        page.set_default_timeout(60_000)  # the validation page runs a backtest on load
        log_in(page, live_server.url, role, "demo")
        for path in _pages(role):
            page.set_viewport_size({"width": WIDTHS[0], "height": 900})
            response = page.goto(f"{live_server.url}{path}")
            expected = 404 if "no-such" in path else 200
            if response.status != expected:
                failures.append(f"{role} {path}: answered {response.status}, expected {expected}")
                continue
            page.wait_for_load_state("networkidle")
            figures["pages"] += 1
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                check(page, role, path, width)
        context.close()

    if report := os.environ.get("AXE_REPORT"):
        Path(report).write_text(json.dumps({"figures": figures, "failures": failures}, indent=1))
    print(f"axe sweep: {figures}")
    assert not failures, f"{len(failures)} problems:\n" + "\n".join(failures)
