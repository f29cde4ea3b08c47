"""Rule playbooks: structured conditions, all of which must hold; missing facts never crash."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import Contact
from playbooks.models import Task
from playbooks.triggers import rules_evaluate_all, triggers_evaluate
from tests.playbooks.conftest import signal_entry


@pytest.fixture
def login_rule(playbook, scoring_setup):
    """No login for 14 days AND renewal within 60 days."""
    return playbook(
        "rule",
        severity="high",
        steps=[("Save the renewal", 24, "owner")],
        conditions=[
            dict(subject="signal_days_since", signal=scoring_setup.signals["weekly_logins"], operator="gte", value="14"),
            dict(subject="account_field", field="days_to_renewal", operator="within_days", value="60"),
        ],
    )


def _renewing_in(account, days, now):
    account.renewal_date = now.date() + dt.timedelta(days=days)
    account.save(update_fields=["renewal_date"])


@pytest.mark.parametrize(
    ("last_login_days_ago", "renewal_in_days", "opens"),
    [(14, 60, True), (20, 0, True), (13, 30, False), (30, 61, False), (30, -1, False)],
)
def test_it_opens_a_task_when_no_login_for_14_days_and_renewal_within_60(
    account, now, login_rule, score_state, result_of, last_login_days_ago, renewal_in_days, opens
):
    _renewing_in(account, renewal_in_days, now)
    last_login = now - dt.timedelta(days=last_login_days_ago, hours=1)
    score = score_state(account, score=64.0, tier="yellow", signals=[signal_entry("weekly_logins", 0.0, last_login)])

    triggers_evaluate(result=result_of(account, scores=[score]), now=now)

    assert Task.objects.filter(playbook=login_rule).count() == (1 if opens else 0)


def test_it_treats_a_missing_signal_as_not_met(account, now, login_rule, score_state, result_of):
    _renewing_in(account, 30, now)
    no_data = score_state(account, score=64.0, tier="yellow", signals=[signal_entry("weekly_logins", None, None)])
    triggers_evaluate(result=result_of(account, scores=[no_data]), now=now)
    not_in_model = score_state(account, score=64.0, tier="yellow", signals=[])
    triggers_evaluate(result=result_of(account, scores=[not_in_model]), now=now)

    assert Task.objects.count() == 0


def test_it_does_not_crash_on_a_deleted_signal(account, now, login_rule, score_state, result_of):
    _renewing_in(account, 30, now)
    login_rule.conditions.filter(subject="signal_days_since").update(signal=None)
    score = score_state(account, score=64.0, tier="yellow", signals=[signal_entry("weekly_logins", 0.0, now)])

    triggers_evaluate(result=result_of(account, scores=[score]), now=now)

    assert Task.objects.count() == 0


@pytest.mark.parametrize(
    ("operator", "value", "holds"),
    [("lt", "5", True), ("lt", "4.2", False), ("lte", "4.2", True), ("gt", "4", True), ("gt", "4.2", False),
     ("gte", "4.2", True), ("eq", "4.2", True), ("ne", "4.2", False), ("ne", "3", True), ("within_days", "5", True),
     ("within_days", "4", False), ("lt", "not a number", False)],
)
def test_it_compares_signal_values_with_each_operator(
    account, now, playbook, scoring_setup, score_state, result_of, operator, value, holds
):
    pb = playbook("rule", conditions=[
        dict(subject="signal_value", signal=scoring_setup.signals["weekly_logins"], operator=operator, value=value)
    ])
    score = score_state(account, score=64.0, tier="yellow", signals=[signal_entry("weekly_logins", 4.2, now)])

    triggers_evaluate(result=result_of(account, scores=[score]), now=now)

    assert Task.objects.filter(playbook=pb).exists() is holds


@pytest.mark.parametrize(
    ("field", "operator", "value", "holds"),
    [("contract_type", "eq", "annual", True), ("contract_type", "ne", "annual", False),
     ("lifecycle_stage", "eq", "renewal", False), ("arr", "gte", "120000", True), ("arr", "gt", "120000", False),
     ("score", "lt", "65", True), ("tier", "eq", "yellow", True), ("tier", "ne", "yellow", False),
     ("champion_days_in_role", "within_days", "90", True), ("champion_days_in_role", "lt", "45", False)],
)
def test_it_reads_account_fields(account, now, playbook, score_state, result_of, field, operator, value, holds):
    Contact.objects.create(account=account, name="Cara", role="champion", in_role_since=now.date() - dt.timedelta(days=45))
    pb = playbook("rule", conditions=[dict(subject="account_field", field=field, operator=operator, value=value)])
    score = score_state(account, score=64.0, tier="yellow")

    triggers_evaluate(result=result_of(account, scores=[score]), now=now)

    assert Task.objects.filter(playbook=pb).exists() is holds


def test_it_evaluates_rules_for_every_account_daily(account, now, login_rule, score_state, scoring_setup):
    from tests.factories import AccountFactory

    _renewing_in(account, 30, now)
    quiet = now - dt.timedelta(days=20)
    score_state(account, score=64.0, tier="yellow", signals=[signal_entry("weekly_logins", 0.0, quiet)])
    busy = AccountFactory(renewal_date=now.date() + dt.timedelta(days=30))
    score_state(busy, score=80.0, tier="green", signals=[signal_entry("weekly_logins", 9.0, now)])
    AccountFactory(status="churned")  # never evaluated

    totals = rules_evaluate_all(now=now, chunk_size=1)

    assert totals["accounts"] == 2
    assert list(Task.objects.values_list("account_id", flat=True)) == [account.pk]
