"""Weekly digest per CSM and manager: newly yellow and red accounts and what moved."""

from __future__ import annotations

import datetime as dt

from django.core import mail

from playbooks.models import Notification
from playbooks.notifications import digest_send_weekly
from tests.factories import AccountFactory


def test_it_sends_each_csm_and_manager_their_digest_once_a_week(
    account, alice, bob, manager, team, now, tier_change, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://health.example.com"
    globex = AccountFactory(name="Globex", external_id="globex", owner=bob, team=team)
    initech = AccountFactory(name="Initech", external_id="initech", owner=alice, manager=manager, team=team)
    tier_change(account, "yellow", "red", 55.0, 38.0, date=now.date() - dt.timedelta(days=2))
    tier_change(globex, "green", "yellow", 77.0, 66.0, date=now.date() - dt.timedelta(days=1))
    tier_change(initech, "green", "green", 95.0, 81.0, date=now.date(), tier_changed=False)
    tier_change(globex, "green", "red", 80.0, 20.0, date=now.date() - dt.timedelta(days=9))  # last week

    with django_capture_on_commit_callbacks(execute=True):
        digest_send_weekly(now=now)
        digest_send_weekly(now=now + dt.timedelta(hours=1))  # a retry in the same week sends nothing

    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert sorted(by_recipient) == ["alice@example.com", "bob@example.com", "manager@example.com"]
    alice_mail = by_recipient["alice@example.com"]
    assert alice_mail.subject == "[Healthscore] Weekly digest 2026-W48: 1 newly red, 0 newly yellow"
    assert "Newly red (1):\n  - Acme: 38.0 (was yellow)  https://health.example.com/accounts/acme/" in alice_mail.body
    assert "What moved:\n  - Acme: 55.0 → 38.0" in alice_mail.body
    assert "  - Initech: 95.0 → 81.0" in alice_mail.body
    assert "Globex" not in alice_mail.body
    # The manager manages Acme and Initech directly and Globex through the team.
    manager_payload = Notification.objects.get(recipient=manager, kind="digest").payload
    assert manager_payload == {
        "week": "2026-W48", "newly_red": ["acme"], "newly_yellow": ["globex"], "moved": ["acme", "initech", "globex"]
    }
    assert Notification.objects.get(recipient=bob, kind="digest").payload["newly_yellow"] == ["globex"]
