"""Champion departure fires without a CSM's flag (issue #15): a champion contact leaving with no
successor within 14 days drops the derived champion coverage, which lowers the relationship
category and opens the rule playbook "champion coverage below 1"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Contact
from playbooks.models import Task
from playbooks.triggers import triggers_evaluate
from scoring.derived import derived_refresh, derived_signals_create
from scoring.models import SignalWeight
from scoring.services import scores_recompute
from tests.factories import AccountFactory, observe

pytestmark = pytest.mark.django_db


def test_a_champion_leaving_without_successor_opens_the_champion_playbook(playbook, scoring_setup):
    coverage = derived_signals_create()["champion_coverage"]
    SignalWeight.objects.create(version=scoring_setup.version, signal=coverage, weight=100)
    rule = playbook("rule", severity="high", steps=[("Find the new champion", 48, "owner")],
                    conditions=[dict(subject="signal_value", signal=coverage, operator="lt", value="1")])
    now = timezone.now()
    today = timezone.localdate(now)
    gone, replaced, grace = AccountFactory(), AccountFactory(), AccountFactory()
    Contact.objects.create(account=gone, name="Ann", role="champion", left_at=today - dt.timedelta(days=20))
    Contact.objects.create(account=replaced, name="Bea", role="champion", left_at=today - dt.timedelta(days=20))
    Contact.objects.create(account=replaced, name="Cy", role="champion", in_role_since=today - dt.timedelta(days=8))
    Contact.objects.create(account=grace, name="Di", role="champion", left_at=today - dt.timedelta(days=5))
    ids = [gone.pk, replaced.pk, grace.pk]
    for account in (gone, replaced, grace):  # enough data for a tier (min_data_share)
        observe(account, scoring_setup.signals["weekly_logins"], 3, now - dt.timedelta(days=1))

    derived_refresh(account_ids=ids, now=now)
    result = scores_recompute(account_ids=ids, now=now)
    triggers_evaluate(result=result, now=now)

    assert list(Task.objects.filter(playbook=rule).values_list("account_id", flat=True)) == [gone.pk]
    relationship = {
        s.account_id: next(x["sub_score"] for x in s.components["signals"] if x["key"] == "champion_coverage")
        for s in result.scores.values()
    }
    assert relationship == {gone.pk: 0.0, replaced.pk: 100.0, grace.pk: 100.0}
