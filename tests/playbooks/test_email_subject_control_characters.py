"""Issue #12 item 3: an account name with a newline or other control characters must not break email alerts.

Django refuses a header with a line break (BadHeaderError): the alert was stored, never sent, and the
delivery task failed. Subjects are now one clean line (healthscore.bounds.header_text).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from healthscore.bounds import header_text
from playbooks.models import Notification
from playbooks.notifications import notifications_deliver, tasks_escalate_overdue
from playbooks.triggers import triggers_evaluate

# (No NUL: PostgreSQL cannot store it in a name at all.)
HOSTILE = "Acme\r\nBcc: attacker@example.com\x07\x1b[31m\u2028Inc"


@pytest.mark.django_db
def test_a_tier_alert_for_a_name_with_line_breaks_is_sent_with_a_one_line_subject(
    account, now, score_state, tier_change, result_of, django_capture_on_commit_callbacks
):
    account.name = HOSTILE
    account.save()
    score = score_state(account, score=42.0, tier="red")
    change = tier_change(account, "yellow", "red", 58.0, 42.0)

    with django_capture_on_commit_callbacks(execute=True):
        triggers_evaluate(result=result_of(account, changes=[change], scores=[score]), now=now)

    assert [m.subject for m in mail.outbox] == ["[Healthscore] Acme Bcc: attacker@example.com [31m Inc entered red (score 42.0)"] * 2
    assert all(m.bcc == [] for m in mail.outbox)
    assert Notification.objects.filter(sent_at__isnull=False, error="").count() == 2


@pytest.mark.django_db
def test_a_stored_subject_with_a_newline_is_still_delivered(alice, now):
    note = Notification.objects.create(
        recipient=alice, channel=Notification.Channel.EMAIL, kind=Notification.Kind.TIER_CHANGE,
        subject="[Healthscore] Acme\nInc entered red", body="…",
    )
    assert notifications_deliver(ids=[note.pk], now=now) == {"sent": 1, "failed": 0}
    assert mail.outbox[0].subject == "[Healthscore] Acme Inc entered red"


@pytest.mark.django_db
def test_an_escalation_subject_is_one_line(account, now, playbook, django_capture_on_commit_callbacks):
    from playbooks.models import Task

    account.name = "Evil\nCorp"
    account.save()
    pb = playbook("enter_tier", tier="red", severity="high")
    step = pb.steps.first()
    Task.objects.create(account=account, playbook=pb, step=step, title="Call\rthem", severity="high",
                        due_at=now - dt.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        tasks_escalate_overdue(now=now)
    assert [m.subject for m in mail.outbox] == ["[Healthscore] Overdue: Call them — Evil Corp"]


def test_header_text_keeps_ordinary_text_and_bounds_the_length():
    assert header_text("  [Healthscore] Café — entered red  ") == "[Healthscore] Café — entered red"
    assert header_text("a\tb\n\nc") == "a b c"
    assert header_text("x" * 300, max_length=255) == "x" * 255
