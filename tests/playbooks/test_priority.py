"""Priority = severity + due urgency + ARR + renewal proximity (formula in playbooks/services.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from playbooks.models import Task
from playbooks.services import task_priority
from playbooks.triggers import triggers_evaluate
from tests.factories import AccountFactory

NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("severity", "due_hours", "arr", "days_to_renewal", "expected"),
    [
        # 200 + 100·(1 − 24/168) + 40·log10(1 + 1000)/3 [capped at 40] + 60·(1 − 30/180)
        ("high", 24, 1_000_000, 30, 200 + 85.71 + 40 + 50),
        # 100 + 0 (due in 10 days) + 40·log10(11)/3 = 13.89 + 0 (unknown renewal)
        ("medium", 240, 10_000, None, 100 + 13.89),
        # 0 + 100 (overdue) + 0 (no ARR) + 60 (renewal passed)
        ("low", -5, 0, -3, 160.0),
        # 100 + 100·(1 − 84/168) + 40·log10(101)/3 = 26.72 + 60·(1 − 90/180)
        ("medium", 84, 100_000, 90, 100 + 50 + 26.72 + 30),
    ],
)
def test_it_computes_the_documented_formula(severity, due_hours, arr, days_to_renewal, expected):
    due_at = NOW + dt.timedelta(hours=due_hours)
    got = task_priority(severity=severity, due_at=due_at, arr=arr, days_to_renewal=days_to_renewal, now=NOW)
    assert got == pytest.approx(expected, abs=0.01)


def test_it_orders_the_queue_by_severity_then_arr_and_renewal(team, alice, now, playbook, score_state, result_of):
    playbook("rapid_decline", severity="high", steps=[("Call", 24, "owner")])
    playbook("gradual_decline", severity="medium", steps=[("Review", 24, "owner")])

    def acct(name, arr, renewal_days, trend):
        a = AccountFactory(name=name, owner=alice, team=team, arr=arr,
                           renewal_date=now.date() + dt.timedelta(days=renewal_days))
        return a, score_state(a, score=55.0, tier="yellow", trend=trend)

    small_high = acct("small high", 5_000, 300, "rapid_decline")
    big_high = acct("big high", 500_000, 20, "rapid_decline")
    big_medium = acct("big medium", 900_000, 10, "gradual_decline")
    rows = [small_high, big_high, big_medium]

    triggers_evaluate(result=result_of(*[a for a, _ in rows], scores=[s for _, s in rows]), now=now)

    # big high:   200 + 85.71 + 40·log10(501)/3 = 36.00 + 60·(1 − 20/180) = 53.33  → 375.05
    # small high: 200 + 85.71 + 40·log10(6)/3 = 10.38 + 0 (renewal in 300 days)   → 296.09
    # big medium: 100 + 85.71 + 40·log10(901)/3 = 39.40 + 60·(1 − 10/180) = 56.67 → 281.78
    ordered = list(Task.objects.order_by("-priority").values_list("account__name", "priority"))
    assert [name for name, _ in ordered] == ["big high", "small high", "big medium"]
    assert [p for _, p in ordered] == pytest.approx([375.05, 296.09, 281.78], abs=0.01)
