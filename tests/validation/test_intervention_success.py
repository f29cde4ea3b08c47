from __future__ import annotations

from datetime import date as d

from scoring.backtest import Intervention, intervention_success
from tests.validation.timeline import spans


def test_it_counts_red_accounts_back_to_yellow_or_green_within_60_days_of_the_task():
    timelines = {
        1: spans([(d(2026, 3, 1), d(2026, 4, 19), "red"), (d(2026, 4, 20), d(2026, 6, 1), "yellow")]),  # +41 d
        2: spans([(d(2026, 3, 1), d(2026, 12, 31), "red")]),  # never recovers
        3: spans([(d(2026, 3, 1), d(2026, 5, 19), "red"), (d(2026, 5, 20), d(2026, 7, 1), "green")]),  # +71 d: late
        4: spans([(d(2026, 3, 1), d(2026, 12, 31), "green")]),  # green when the task opened: not a red account
        5: spans([(d(2026, 11, 1), d(2026, 12, 31), "red")]),  # closed Dec 1: window not over by Dec 31
        6: spans([(d(2026, 6, 1), d(2026, 7, 14), "red"), (d(2026, 7, 15), d(2026, 9, 1), "yellow")]),
        7: spans([
            (d(2026, 7, 1), d(2026, 7, 3), "red"),
            (d(2026, 7, 4), d(2026, 7, 19), "yellow"),  # recovered while the task was open
            (d(2026, 7, 20), d(2026, 9, 30), "red"),
        ]),
    }
    tasks = [
        Intervention(1, d(2026, 3, 5), d(2026, 3, 10)),
        Intervention(2, d(2026, 3, 5), d(2026, 3, 10)),
        Intervention(3, d(2026, 3, 5), d(2026, 3, 10)),
        Intervention(4, d(2026, 3, 5), d(2026, 3, 10)),
        Intervention(5, d(2026, 11, 5), d(2026, 12, 1)),
        Intervention(6, d(2026, 6, 2), d(2026, 6, 10)),  # first task: yellow 35 days later
        Intervention(6, d(2026, 6, 20), d(2026, 7, 1)),  # second task of the same account: ignored
        Intervention(7, d(2026, 7, 2), d(2026, 7, 5)),
    ]
    result = intervention_success(timelines, tasks, start=d(2026, 1, 1), end=d(2026, 12, 31), as_of=d(2026, 12, 31))
    # Counted: 1, 2, 3, 6, 7; successes: 1, 6, 7.
    assert (result.numerator, result.denominator) == (3, 5)
    assert result.value == 0.6
