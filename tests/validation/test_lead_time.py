from __future__ import annotations

from datetime import date

from scoring.backtest import OutcomeCase, lead_times
from scoring.measures import lead_time_days
from tests.validation.timeline import daily

D = date(2026, 6, 30)


def test_it_measures_days_from_the_final_consecutive_red_run_within_180_days_to_churn():
    timelines = {
        1: daily(D, [(120, "green"), (50, "red")], last=0),  # 50 days
        2: daily(D, [(120, "green"), (100, "red"), (80, "yellow"), (60, "red")], last=0),  # a yellow day ends a run: 60
        3: daily(D, [(120, "green"), (100, "red"), (80, "green"), (30, "red")], last=0),  # recovered, red again: 30
        4: daily(D, [(120, "green")], last=0),  # never red: no warning
        5: daily(D, [(120, "yellow"), (10, "red")], last=0),  # 10 days
        6: daily(D, [(120, "red")], last=0),  # red from its first snapshot: 120
        7: daily(D, [(120, "red")], last=0),  # renewed: ignored
        8: daily(D, [(300, "red")], last=0),  # red for 300 days: the window caps it at 180
        9: daily(D, [(300, "red"), (200, "green")], last=0),  # red only before the window: no warning
        10: daily(D, [(400, "green"), (300, None)], last=0),  # no snapshot in the window: no evidence
        11: daily(D, [(120, "green"), (40, "red"), (20, "yellow")], last=0),  # red run ended before churn: 40
    }
    outcomes = [OutcomeCase(a, "churned", D) for a in (1, 2, 3, 4, 5, 6, 8, 9, 10, 11)] + [OutcomeCase(7, "renewed", D)]
    result = lead_times(outcomes, timelines)

    assert sorted(result.days) == [10, 30, 40, 50, 60, 120, 180]
    assert result.churned == 9
    assert result.no_warning == 2
    assert max(result.days) <= 180
    assert dict(result.buckets()) == {"0–14": 1, "15–30": 1, "31–60": 3, "61–90": 0, "91–180": 2}
    q1, median, q3 = result.quartiles()
    assert (q1, median, q3) == (35, 50, 90)
    data = result.as_dict()
    assert (data["q1"], data["median"], data["q3"]) == (35, 50, 90)


def test_a_red_snapshot_on_the_churn_day_counts_and_later_ones_do_not():
    dates = [date(2026, 6, 28), date(2026, 6, 29), date(2026, 6, 30), date(2026, 7, 1)]
    assert lead_time_days(dates, ["green", "green", "red", "red"], date(2026, 6, 30)) == 0
    assert lead_time_days(dates, ["green", "green", "green", "red"], date(2026, 6, 30)) is None
    assert lead_time_days([], [], date(2026, 6, 30)) is False
