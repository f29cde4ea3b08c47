from __future__ import annotations

from datetime import date

from scoring.backtest import Intervention, OutcomeCase, red_precision
from tests.validation.timeline import spans

START, END, AS_OF = date(2026, 1, 1), date(2026, 12, 31), date(2026, 12, 31)
# Red days count at 90 days only up to AS_OF − 90 = Oct 2, at 180 days up to Jul 4.


def _world():
    d = date
    timelines = {
        1: spans([(d(2026, 1, 1), d(2026, 2, 28), "green"), (d(2026, 3, 1), d(2026, 3, 10), "red")]),
        2: spans([(d(2026, 3, 1), d(2026, 3, 5), "red"), (d(2026, 3, 6), d(2026, 7, 31), "yellow")]),
        3: spans([(d(2026, 5, 1), d(2026, 5, 20), "red"), (d(2026, 5, 21), d(2026, 12, 31), "green")]),
        4: spans([(d(2026, 10, 1), d(2026, 10, 31), "yellow"), (d(2026, 11, 1), d(2026, 11, 19), "red")]),
        5: spans([(d(2026, 1, 1), d(2026, 12, 31), "green")]),
        6: spans([(d(2026, 6, 1), d(2026, 6, 3), "red"), (d(2026, 6, 4), d(2026, 6, 29), "yellow")]),
        7: spans([
            (d(2026, 2, 1), d(2026, 2, 1), "red"),
            (d(2026, 2, 2), d(2026, 8, 31), "green"),
            (d(2026, 9, 1), d(2026, 9, 30), "red"),
        ]),
    }
    outcomes = [
        OutcomeCase(1, "churned", d(2026, 4, 15)),  # 36–45 days after red
        OutcomeCase(2, "churned", d(2026, 8, 1)),  # 149 days after its last red day
        OutcomeCase(3, "renewed", d(2026, 11, 1)),
        OutcomeCase(4, "churned", d(2026, 11, 20)),  # red only after Oct 2: not flagged
        OutcomeCase(6, "churned", d(2026, 6, 30)),
        OutcomeCase(7, "churned", d(2026, 10, 20)),  # 20 days after Sep 30; 261 after Feb 1
    ]
    treated = [
        Intervention(3, d(2026, 5, 2), d(2026, 5, 10)),
        Intervention(6, d(2026, 6, 1), d(2026, 6, 2)),
    ]
    return timelines, outcomes, treated


def _pair(fig):
    return fig.numerator, fig.denominator


def test_it_measures_share_of_red_accounts_that_churned_within_90_days():
    timelines, outcomes, treated = _world()
    result = red_precision(timelines, outcomes, treated, start=START, end=END, as_of=AS_OF)[90]
    # Flagged: 1, 2, 3, 6, 7 (4 turned red after Oct 2; 5 never red).
    # Churned within 90 days of a red day: 1 (45), 6 (27), 7 (20); 2 took 149 days; 3 renewed.
    assert _pair(result["all"]) == (3, 5)
    assert result["all"].value == 0.6
    # Intervened: 3 (closed May 10) and 6 (closed Jun 2) → only 6 churned.
    assert _pair(result["intervened"]) == (1, 2)
    # Without intervention: 1, 2, 7 → 1 and 7 churned.
    assert _pair(result["not_intervened"]) == (2, 3)


def test_it_measures_the_180_day_horizon_on_red_days_with_a_full_window():
    timelines, outcomes, treated = _world()
    result = red_precision(timelines, outcomes, treated, start=START, end=END, as_of=AS_OF)[180]
    # Red days up to Jul 4: 1 (Mar), 2 (Mar), 3 (May), 6 (Jun), 7 (Feb 1 only).
    # Hits: 1, 2 (149 ≤ 180), 6; 7's churn is 261 days after Feb 1; 3 renewed.
    assert _pair(result["all"]) == (3, 5)
    assert _pair(result["intervened"]) == (1, 2)
    assert _pair(result["not_intervened"]) == (2, 3)
    # Too few in the split denominators (< 5): no percentage.
    assert result["intervened"].value is None
