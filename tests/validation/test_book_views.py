"""Book views: signals pulling the book down this week; green accounts with growing usage near renewal."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from scoring.book import expansion_candidates, pulling_down
from scoring.models import AccountScore, ScoreChange, Segment
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def _change(account, version, days_ago, deltas):
    ScoreChange.objects.create(account=account, date=timezone.localdate() - dt.timedelta(days=days_ago), from_score=70,
                               to_score=60, model_version=version, cause="data",
                               signal_deltas=[{"signal": k, "delta": v} for k, v in deltas.items()])


def test_it_lists_per_signal_the_accounts_that_lost_n_points_this_week_by_segment_and_owner(mini, alice, bob):
    enterprise = Segment.objects.create(name="Enterprise", slug="ent")
    a = AccountFactory(name="A", owner=alice, segment=mini.segment)
    b = AccountFactory(name="B", owner=bob, segment=enterprise)
    c = AccountFactory(name="C", owner=bob, segment=enterprise)
    _change(a, mini.version, 1, {"x": -3, "y": -1})
    _change(a, mini.version, 3, {"x": -3})  # two entries this week: −6 on x
    _change(b, mini.version, 2, {"x": -7, "z": -6})
    _change(c, mini.version, 9, {"x": -20})  # last week's: not this week
    _change(c, mini.version, 0, {"y": -2})
    from accounts.models import Account

    pulls = {p.key: p for p in pulling_down(accounts=Account.objects.all(), today=timezone.localdate(), min_points=5)}
    assert set(pulls) == {"x", "z"}
    assert [(r["account"].name, r["points"]) for r in pulls["x"].accounts] == [("B", -7.0), ("A", -6.0)]
    assert pulls["x"].by_segment == {"Default": 1, "Enterprise": 1}
    assert pulls["x"].by_owner == {"alice": 1, "bob": 1}
    assert pulls["x"].label == "Usage X"


def test_expansion_candidates_are_green_near_renewal_with_usage_gaining(mini, client, manager):
    from accounts.models import Account

    today = timezone.localdate()

    def account(name, tier, renew_in, usage_gain):
        acc = AccountFactory(name=name, renewal_date=today + dt.timedelta(days=renew_in))
        AccountScore.objects.create(account=acc, score=85 if tier == "green" else 60, raw_tier=tier, tier=tier,
                                    model_version=mini.version, computed_at=timezone.now())
        _change(acc, mini.version, 10, {"x": usage_gain, "y": -1})
        return acc

    account("grows", "green", 60, 4)
    account("flat", "green", 60, -2)
    account("far", "green", 300, 4)
    account("yellow", "yellow", 60, 4)
    found = expansion_candidates(accounts=Account.objects.all(), today=today)
    assert [(c["account"].name, c["usage_gain"], c["renewal_in"]) for c in found] == [("grows", 4.0, 60)]
    client.force_login(manager)
    html = client.get(reverse("scoring:book")).content.decode()
    assert "Expansion candidates" in html and reverse("accounts:detail", args=[found[0]["account"].external_id]) in html
