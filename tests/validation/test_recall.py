from __future__ import annotations

from datetime import date

from scoring.backtest import OutcomeCase, recall
from tests.validation.timeline import daily

D = date(2026, 6, 30)


def test_it_counts_bad_outcomes_red_and_red_or_yellow_at_each_horizon():
    timelines = {
        1: daily(D, [(120, "red")]),  # churned: red at every horizon
        2: daily(D, [(120, "green"), (75, "yellow"), (40, "red")]),  # churned: G@90 Y@60 R@30 R@14
        3: daily(D, [(120, "yellow")]),  # contracted: yellow throughout
        4: daily(D, [(120, "green")]),  # churned: green throughout
        # churned: red until D−95, gap, yellow from D−70, red from D−35 — at 90 the D−95 snapshot
        # is within the 7-day tolerance, so it counts as red.
        5: daily(D, [(120, "red"), (94, None), (70, "yellow"), (35, "red")]),
        6: daily(D, [(80, "green"), (50, "red")]),  # churned: no history at 90; G@60 R@30 R@14
        7: daily(D, [(120, "red")]),  # renewed: not a bad outcome, ignored
    }
    outcomes = [
        OutcomeCase(1, "churned", D),
        OutcomeCase(2, "churned", D),
        OutcomeCase(3, "contracted", D),
        OutcomeCase(4, "churned", D),
        OutcomeCase(5, "churned", D),
        OutcomeCase(6, "churned", D),
        OutcomeCase(7, "renewed", D),
    ]
    result = recall(outcomes, timelines)

    # 90 days: accounts 1–5 have a tier (6 has none): red 1,5; yellow 3.
    assert (result[90]["red"].numerator, result[90]["red"].denominator) == (2, 5)
    assert (result[90]["red_or_yellow"].numerator, result[90]["red_or_yellow"].denominator) == (3, 5)
    assert result[90]["red"].value == 0.4
    # 60 days: red 1; yellow 2,3,5; green 4,6.
    assert (result[60]["red"].numerator, result[60]["red"].denominator) == (1, 6)
    assert (result[60]["red_or_yellow"].numerator, result[60]["red_or_yellow"].denominator) == (4, 6)
    # 30 and 14 days: red 1,2,5,6; yellow 3; green 4.
    for n in (30, 14):
        assert (result[n]["red"].numerator, result[n]["red"].denominator) == (4, 6)
        assert (result[n]["red_or_yellow"].numerator, result[n]["red_or_yellow"].denominator) == (5, 6)
