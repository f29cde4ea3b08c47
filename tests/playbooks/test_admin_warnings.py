"""The playbook admin warns about rules that can never fire and refuses slow red playbooks."""

from __future__ import annotations

import pytest
from django.urls import reverse

from playbooks.models import Playbook


@pytest.fixture
def ops_client(client, ops):
    client.force_login(ops)
    return client


def _rule_on(playbook, signal):
    return playbook("rule", conditions=[dict(subject="signal_value", signal=signal, operator="lt", value="5")])


def test_it_warns_about_an_inactive_signal(ops_client, playbook, scoring_setup):
    signal = scoring_setup.signals["weekly_logins"]
    signal.active = False
    signal.save()
    pb = _rule_on(playbook, signal)

    page = ops_client.get(reverse("admin:playbooks_playbook_change", args=[pb.pk])).content.decode()
    listing = ops_client.get(reverse("admin:playbooks_playbook_changelist")).content.decode()

    message = "Condition on weekly_logins: the signal is inactive; the rule never fires."
    assert message in page
    assert message in listing


def test_it_warns_about_a_deleted_signal_and_an_unweighted_signal(ops_client, playbook, scoring_setup):
    from tests.factories import SignalFactory

    deleted = _rule_on(playbook, scoring_setup.signals["nps"])
    deleted.conditions.update(signal=None)
    unweighted = _rule_on(playbook, SignalFactory(key="seats_used"))

    page = ops_client.get(reverse("admin:playbooks_playbook_changelist")).content.decode()

    condition_id = deleted.conditions.get().pk
    assert f"Condition {condition_id}: its signal was deleted; the rule never fires." in page
    assert "Condition on seats_used: no published model uses this signal" in page
    assert unweighted.pk


def test_it_shows_no_warning_for_a_sound_rule(ops_client, playbook, scoring_setup):
    pb = _rule_on(playbook, scoring_setup.signals["weekly_logins"])

    page = ops_client.get(reverse("admin:playbooks_playbook_change", args=[pb.pk])).content.decode()

    assert "never fires" not in page


def _playbook_form(first_step_hours: int) -> dict:
    return {
        "name": "Red alert", "description": "", "trigger_kind": "enter_tier", "tier": "red", "severity": "high",
        "segment": "", "reenrol_days": "", "active": "on",
        "steps-TOTAL_FORMS": "1", "steps-INITIAL_FORMS": "0", "steps-MIN_NUM_FORMS": "0", "steps-MAX_NUM_FORMS": "1000",
        "steps-0-order": "1", "steps-0-title": "Call the champion", "steps-0-instructions": "",
        "steps-0-due_offset_hours": str(first_step_hours), "steps-0-assignee_role": "owner",
        "conditions-TOTAL_FORMS": "0", "conditions-INITIAL_FORMS": "0", "conditions-MIN_NUM_FORMS": "0",
        "conditions-MAX_NUM_FORMS": "1000",
    }


def test_it_refuses_a_red_playbook_whose_first_step_is_due_after_a_day(ops_client):
    response = ops_client.post(reverse("admin:playbooks_playbook_add"), _playbook_form(72))

    assert response.status_code == 200
    assert "A red playbook&#x27;s first step must be due within 24 hours (it is 72 h)." in response.content.decode()
    assert not Playbook.objects.exists()

    response = ops_client.post(reverse("admin:playbooks_playbook_add"), _playbook_form(24))
    assert response.status_code == 302
    assert Playbook.objects.get().steps.get().due_offset_hours == 24
