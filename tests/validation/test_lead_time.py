from __future__ import annotations

from datetime import date

from scoring.backtest import OutcomeCase, lead_times
from tests.validation.timeline import daily

D = date(2026, 6, 30)


def test_it_measures_days_from_the_final_red_episode_to_churn():
    timelines = {
        1: daily(D, [(120, "green"), (50, "red")], last=0),  # 50 days
        2: daily(D, [(120, "green"), (100, "red"), (80, "yellow"), (60, "red")], last=0),  # no green since D−100: 100
        3: daily(D, [(120, "green"), (100, "red"), (80, "green"), (30, "red")], last=0),  # recovered, red again: 30
        4: daily(D, [(120, "green")], last=0),  # never red: no warning
        5: daily(D, [(120, "yellow"), (10, "red")], last=0),  # 10 days
        6: daily(D, [(120, "red")], last=0),  # red from its first snapshot: 120
        7: daily(D, [(120, "red")], last=0),  # renewed: ignored
    }
    outcomes = [OutcomeCase(a, "churned", D) for a in range(1, 7)] + [OutcomeCase(7, "renewed", D)]
    result = lead_times(outcomes, timelines)

    assert sorted(result.days) == [10, 30, 50, 100, 120]
    assert result.churned == 6
    assert result.no_warning == 1
    # Inclusive quartiles of [10, 30, 50, 100, 120]: positions 1, 2, 3 of 0..4.
    assert result.quartiles() == (30, 50, 100)
    assert dict(result.buckets()) == {"0–14": 1, "15–30": 1, "31–60": 1, "61–90": 0, "91–180": 2, "> 180": 0}
    data = result.as_dict()
    assert (data["q1"], data["median"], data["q3"]) == (30, 50, 100)
