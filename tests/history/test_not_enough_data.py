"""A new account is "not enough data yet" (no tier, no playbook, no alert) until a share of the model's weight
has data; its first score with enough data enters its tier."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from playbooks.models import Notification, Playbook, PlaybookStep, Task
from playbooks.triggers import triggers_evaluate
from scoring.engine import compute_account, data_share
from scoring.models import AccountScore, ScoreChange, ScoreSnapshot
from scoring.services import scores_recompute
from support.badges import badge_data
from support.selectors import account_health
from tests.factories import AccountFactory, observe
from tests.scoring.conftest import model, sig

NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def test_the_share_counts_signals_with_current_data_against_the_whole_model():
    from scoring.aggregation import SignalAggregate

    a, b, c = sig("a", category="usage"), sig("b", category="usage", weight=3.0), sig("c", category="support")
    spec = model(a, b, c, cats={"usage": 3.0, "support": 1.0}, min_data_share=0.5)
    fresh = SignalAggregate(latest=10.0, newest_at=NOW - DAY)
    # usage is 3/4 of the model; b holds 3/4 of usage → 0.5625; a 0.1875; c 0.25.
    only_a = compute_account(model=spec, aggregates={a.id: fresh}, now=NOW)
    assert data_share(spec, only_a.components) == 0.1875
    assert (only_a.tier, only_a.raw_tier, only_a.components["not_enough_data"]) == ("", "", True)
    assert only_a.components["top_reasons"] == [
        "Not enough data yet: 19% of the model's weight has data (needs 50%)"]
    a_and_c = compute_account(model=spec, aggregates={a.id: fresh, c.id: fresh}, now=NOW)
    assert a_and_c.tier == "" and data_share(spec, a_and_c.components) == 0.4375
    with_b = compute_account(model=spec, aggregates={b.id: fresh}, now=NOW)
    assert with_b.tier == "red" and "not_enough_data" not in with_b.components
    # Stale data does not count.
    stale = SignalAggregate(latest=10.0, newest_at=NOW - 60 * DAY)
    assert compute_account(model=spec, aggregates={b.id: stale}, now=NOW).tier == ""


@pytest.fixture
def world(scoring_setup, alice, team):
    version = scoring_setup.version
    version.min_data_share = 0.3
    version.save(update_fields=["min_data_share"])
    red = Playbook.objects.create(name="Red", trigger_kind="enter_tier", tier="red", severity="high")
    PlaybookStep.objects.create(playbook=red, order=1, title="Call the champion", due_offset_hours=24)
    account = AccountFactory(external_id="newco", owner=alice, team=team)
    return scoring_setup.signals, account


def _run(account, now):
    result = scores_recompute(account_ids=[account.pk], now=now)
    triggers_evaluate(result=result, now=now)
    return result


def test_a_new_account_without_enough_data_has_no_tier_task_or_alert(world, client, alice):
    signals, account = world
    with time_machine.travel(NOW, tick=False):
        _run(account, NOW)                      # no data at all (was: 25, red, red playbook, email)
        observe(account, signals["weekly_logins"], 0, NOW - DAY)  # 16 % of the weight
        _run(account, NOW + DAY)
    score = AccountScore.objects.get(account=account)
    assert (score.tier, score.raw_tier) == ("", "")
    assert not ScoreChange.objects.filter(account=account).exists()
    assert not Task.objects.filter(account=account).exists()
    assert not Notification.objects.filter(account=account).exists()
    assert set(ScoreSnapshot.objects.filter(account=account).values_list("tier", flat=True)) == {""}
    # Shown as such: the API, the badge and the account page.
    health = account_health(account=account)
    assert (health["has_score"], health["enough_data"], health["tier"]) == (True, False, None)
    assert health["top_reasons"][0].startswith("Not enough data yet: 16% of the model's weight")
    badge = badge_data(account=account)
    assert (badge["label"], badge["tier"], badge["score"], badge["enough_data"]) == (
        "Not enough data yet", None, None, False)
    client.force_login(alice)
    page = client.get(f"/accounts/{account.external_id}/").content.decode()
    assert "Not enough data yet" in page


def test_its_first_score_with_enough_data_enters_its_tier(world):
    signals, account = world
    with time_machine.travel(NOW, tick=False):
        observe(account, signals["weekly_logins"], 0, NOW - DAY)
        _run(account, NOW)
        assert AccountScore.objects.get(account=account).tier == ""
        observe(account, signals["active_user_rate"], 5, NOW)  # usage complete: 40 % of the weight
        _run(account, NOW + DAY)
    score = AccountScore.objects.get(account=account)
    assert score.tier == "red" and score.tier_since == (NOW + DAY).date()  # no hold: it enters at once
    change = ScoreChange.objects.get(account=account)
    assert (change.from_score, change.from_tier, change.to_tier, change.tier_changed) == (None, "", "red", True)
    assert change.summary.startswith("First score:")
    task = Task.objects.get(account=account)
    assert (task.title, task.opened_by_change, task.opened_in_tier) == ("Call the champion", change, "red")


def test_history_rebuilds_agree(world):
    signals, account = world
    with time_machine.travel(NOW, tick=False):
        for d in range(10):
            observe(account, signals["weekly_logins"], 0, NOW - d * DAY)
        observe(account, signals["active_user_rate"], 5, NOW - 3 * DAY)
        scores_recompute(account_ids=[account.pk], now=NOW, backfill_days=10)
    tiers = list(ScoreSnapshot.objects.filter(account=account).order_by("date").values_list("tier", flat=True))
    assert tiers == [""] * 6 + ["red"] * 4
    change = ScoreChange.objects.get(account=account)
    assert (change.date, change.from_tier, change.to_tier) == ((NOW - 3 * DAY).date(), "", "red")
