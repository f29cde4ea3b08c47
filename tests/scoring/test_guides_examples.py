"""The seed guides' worked examples, computed by hand, as the engine and the standard model score them.

- 001's weighted framework: category weights 40/25/15/20 with point budgets inside each category;
- 001's MVP: "a minimum viable health score with 3-5 metrics" — an unweighted average;
- 003's 1–10 per-signal scale with thresholds green > 70, yellow 50–70, red < 50;
- 000's healthy profile ("logs in at least three times per week, has adopted two or more core
  features, submits fewer than two support tickets per month") green on the standard model, its
  at-risk mirror red.
(002's 12-of-15 example: tests/validation/test_suggested_weights.py.)
"""

from __future__ import annotations

import pytest

from scoring.engine import SignalAggregate, score_components, tier_for
from scoring.models import AccountScore
from scoring.services import scores_recompute
from tests.factories import AccountFactory, observe
from tests.scoring.conftest import DAY, NOW, model, sig


def _latest(*values: float) -> dict[int, SignalAggregate]:
    return {i: SignalAggregate(newest_at=NOW - DAY, latest=v) for i, v in enumerate(values, start=1)}


def test_the_weighted_framework_of_001():
    # Usage 40 %: MAU rate 30 points, feature breadth 10, time in product 5 (of 45);
    # Engagement 25 %: new features 15, seats added 10; Support 15 %: resolution time 10, volume trend 5;
    # Business 20 %: contract value 10, growth 10. Every metric scored 0–100 (here: its latest value).
    signals = [
        sig("mau", id=1, category="usage", weight=30), sig("breadth", id=2, category="usage", weight=10),
        sig("time", id=3, category="usage", weight=5),
        sig("new_features", id=4, category="engagement", weight=15), sig("seats", id=5, category="engagement", weight=10),
        sig("resolution", id=6, category="support", weight=10), sig("volume", id=7, category="support", weight=5),
        sig("contract", id=8, category="commercial", weight=10), sig("growth", id=9, category="commercial", weight=10),
    ]
    m = model(*signals, cats={"usage": 40, "engagement": 25, "support": 15, "commercial": 20}, green=80, yellow=50)
    c = score_components(m, _latest(90, 45, 90, 60, 85, 70, 40, 50, 70), NOW)
    # Usage = (30·90 + 10·45 + 5·90) / 45 = 80; Engagement = (15·60 + 10·85) / 25 = 70;
    # Support = (10·70 + 5·40) / 15 = 60; Business = (10·50 + 10·70) / 20 = 60
    # Final = 80·.40 + 70·.25 + 60·.15 + 60·.20 = 32 + 17.5 + 9 + 12 = 70.5 → yellow (50–79)
    assert c["raw_score"] == 70.5
    assert tier_for(c["raw_score"], m) == "yellow"
    mau = next(s for s in c["signals"] if s["key"] == "mau")
    assert mau["weight_share"] == pytest.approx(0.40 * 30 / 45, abs=1e-4)


def test_the_mvp_average_of_three_to_five_metrics():
    m = model(*(sig(k, id=i, weight=1) for i, k in enumerate(["a", "b", "c", "d"], start=1)))
    c = score_components(m, _latest(80, 60, 40, 90), NOW)
    assert c["raw_score"] == (80 + 60 + 40 + 90) / 4  # 67.5


def test_the_one_to_ten_scale_of_003():
    # Each signal scored 1–10 (high usage 8–10, declining 4–6, no login in 30 days 1–3): a 0–10 input,
    # bad 0 → good 10, so 9 is 90 points. Usage weighs 50, engagement 30, relationship 20.
    m = model(
        sig("usage", id=1, category="usage", bad=0, good=10), sig("engagement", id=2, category="engagement", bad=0, good=10),
        sig("executive", id=3, category="relationship", bad=0, good=10),
        cats={"usage": 50, "engagement": 30, "relationship": 20}, green=70, yellow=50,
    )
    high = score_components(m, _latest(9, 8, 8), NOW)["raw_score"]       # (9·.5 + 8·.3 + 8·.2)·10 = 85
    declining = score_components(m, _latest(5, 6, 6), NOW)["raw_score"]  # (2.5 + 1.8 + 1.2)·10 = 55
    gone = score_components(m, _latest(2, 3, 5), NOW)["raw_score"]       # (1 + .9 + 1)·10 = 29
    assert (high, declining, gone) == (85.0, 55.0, 29.0)
    assert [tier_for(s, m) for s in (high, declining, gone)] == ["green", "yellow", "red"]


PROFILES = {
    # 3 logins a week, 2 of 5 core features (40 %), 1 ticket open 2 days: (000)
    "healthy": {"weekly_logins": 3, "core_feature_adoption": 40, "open_tickets": 1, "ticket_age_days": 2},
    # a login every other week, 1 of 5 core features, 4 tickets open, the oldest two weeks old
    "at_risk": {"weekly_logins": 0.5, "core_feature_adoption": 20, "open_tickets": 4, "ticket_age_days": 14},
}


def test_the_guides_healthy_profile_is_green_and_its_at_risk_mirror_red(scoring_setup):
    s = scoring_setup.signals
    accounts = {name: AccountFactory() for name in PROFILES}
    for name, values in PROFILES.items():
        for d in range(28):
            for key, value in values.items():
                observe(accounts[name], s[key], value, NOW - d * DAY)
    scores_recompute(account_ids=[a.pk for a in accounts.values()], now=NOW)
    got = {name: AccountScore.objects.get(account=a) for name, a in accounts.items()}
    # Standard weights; active-user rate never reported (excluded); NPS, renewal, payment neutral 50.
    # healthy: usage = logins 3/3 → 100; engagement (40 − 10)/40 = 75; support (1 ticket of 5 → 80,
    #   2 days of 21 → 95) 87.5; relationship 50; commercial 50
    #   → (40·100 + 20·75 + 15·87.5 + 15·50 + 10·50) / 100 = 40 + 15 + 13.125 + 7.5 + 5 = 80.625 → green
    assert (got["healthy"].score, got["healthy"].tier) == (pytest.approx(80.63, abs=0.01), "green")
    # at risk: usage .5/3 → 16.67; engagement 25; support (20 + 35)/2 = 27.5
    #   → 6.667 + 5 + 4.125 + 7.5 + 5 = 28.29 → red
    assert (got["at_risk"].score, got["at_risk"].tier) == (pytest.approx(28.29, abs=0.01), "red")
