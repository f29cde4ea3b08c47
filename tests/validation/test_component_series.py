from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from scoring.backtest_rescore import rescore
from scoring.models import ScoreSnapshot
from scoring.validation import Period, component_series, version_weights
from tests.factories import AccountFactory
from tests.validation.conftest import components


def test_it_reads_sub_scores_and_overrides_set_based(mini, django_assert_num_queries):
    today = timezone.localdate()
    accounts = [AccountFactory() for _ in range(3)]
    rows = []
    for i, account in enumerate(accounts):
        for back in (2, 1):
            comp = components({"x": 10.0 * (i + back), "y": None, "z": 50.0})
            override = back == 1 and i == 0
            if override:
                comp["override"] = {"effect": "cap", "value": 5, "reason": "champion_left"}
            rows.append(ScoreSnapshot(account=account, date=today - timedelta(days=back), score=0, raw_tier="red",
                                      tier="red", model_version=mini.version, components=comp, override_active=override))
    ScoreSnapshot.objects.bulk_create(rows)

    with django_assert_num_queries(2):  # overrides, then the unnested sub-scores
        series = component_series(mini.version, Period.default(timezone.now()))

    first = series[accounts[0].pk]
    assert [d for d, _ in first] == [today - timedelta(days=2), today - timedelta(days=1)]
    assert sorted((s["key"], s["sub_score"]) for s in first[0][1]["signals"]) == [("x", 20.0), ("y", None), ("z", 50.0)]
    assert first[0][1]["override"] is None
    assert first[1][1]["override"] == {"effect": "cap", "value": 5}
    weights = version_weights(mini.version)
    # x 10, z 50 (y excluded): (0.4·10 + 0.3·50) / 0.7 = 27.14, capped at 5.
    assert rescore(first[1][1], weights) == 5
    assert rescore(series[accounts[1].pk][1][1], weights) == round((0.4 * 20 + 0.3 * 50) / 0.7, 2)
    assert component_series(mini.version, Period.default(timezone.now()), account_ids=[]) == {}
