"""Tier transitions into yellow or red email the owner and the manager, once."""

from __future__ import annotations

import pytest
from django.core import mail

from playbooks.models import Notification, Task
from playbooks.triggers import triggers_evaluate

REASONS = ["Logins per week low (0.5 logins): −13.9", "Open support tickets high (6 tickets): −7.5"]


@pytest.fixture(autouse=True)
def _no_slack(settings):
    settings.SLACK_WEBHOOK_URL = None
    settings.SITE_URL = "https://health.example.com"


def test_it_emails_owner_and_manager_on_entering_red(
    account, now, score_state, tier_change, result_of, django_capture_on_commit_callbacks
):
    score = score_state(account, score=42.0, tier="red", top_reasons=REASONS)
    change = tier_change(account, "yellow", "red", 58.0, 42.0)

    with django_capture_on_commit_callbacks(execute=True):
        triggers_evaluate(result=result_of(account, changes=[change], scores=[score]), now=now)

    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.com", "manager@example.com"]
    message = mail.outbox[0]
    assert message.subject == "[Healthscore] Acme entered red (score 42.0)"
    assert "Acme (acme) is now RED, down from yellow." in message.body
    assert "Score: 42.0 (was 58.0)" in message.body
    assert "  - Logins per week low (0.5 logins): −13.9\n  - Open support tickets high (6 tickets): −7.5" in message.body
    assert "Open the account: https://health.example.com/accounts/acme/" in message.body
    assert Notification.objects.filter(sent_at__isnull=False, error="").count() == 2


def test_it_emails_on_entering_yellow_but_not_green(
    account, now, score_state, tier_change, result_of, django_capture_on_commit_callbacks
):
    score = score_state(account, score=60.0, tier="yellow")
    into_yellow = tier_change(account, "green", "yellow", 79.0, 60.0)
    into_green = tier_change(account, "yellow", "green", 60.0, 80.0, date=now.date().replace(day=27))

    with django_capture_on_commit_callbacks(execute=True):
        triggers_evaluate(result=result_of(account, changes=[into_yellow], scores=[score]), now=now)
        triggers_evaluate(result=result_of(account, changes=[into_green], scores=[score]), now=now)

    assert [m.subject for m in mail.outbox] == ["[Healthscore] Acme entered yellow (score 60.0)"] * 2


def test_it_does_not_email_twice_on_a_replay(
    account, now, score_state, tier_change, result_of, django_capture_on_commit_callbacks
):
    score = score_state(account, score=42.0, tier="red")
    change = tier_change(account, "yellow", "red", 58.0, 42.0)
    result = result_of(account, changes=[change], scores=[score])

    with django_capture_on_commit_callbacks(execute=True):
        triggers_evaluate(result=result, now=now)
        triggers_evaluate(result=result, now=now)

    assert len(mail.outbox) == 2
    assert Notification.objects.count() == 2


def test_it_sends_one_email_when_owner_and_manager_are_the_same_person(
    account, alice, now, score_state, tier_change, result_of, django_capture_on_commit_callbacks
):
    account.manager = alice
    account.save()
    score = score_state(account, score=42.0, tier="red")
    change = tier_change(account, "yellow", "red", 58.0, 42.0)

    with django_capture_on_commit_callbacks(execute=True):
        triggers_evaluate(result=result_of(account, changes=[change], scores=[score]), now=now)

    assert [m.to for m in mail.outbox] == [["alice@example.com"]]


def test_it_does_not_alert_when_a_new_model_version_moved_the_tier(
    account, now, score_state, tier_change, result_of, django_capture_on_commit_callbacks, playbook
):
    playbook("enter_tier", tier="red", severity="high", steps=[("Call", 24, "owner")])
    score = score_state(account, score=42.0, tier="red")
    change = tier_change(account, "yellow", "red", 58.0, 42.0)
    change.cause = "model_version"
    change.save()

    with django_capture_on_commit_callbacks(execute=True):
        triggers_evaluate(result=result_of(account, changes=[change], scores=[score]), now=now)

    assert mail.outbox == []
    assert Notification.objects.count() == 0
    assert Task.objects.get().opened_by_change == change
