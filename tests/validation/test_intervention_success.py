from __future__ import annotations

from datetime import date as d

from scoring.backtest import Intervention, OutcomeCase, intervention_success
from scoring.measures import LOST, NO_EVIDENCE, PENDING, STAYED, stay_outcome
from tests.validation.timeline import spans


def test_it_counts_intervened_red_accounts_that_stayed_not_churned_and_not_red_60_days_later():
    timelines = {
        1: spans([(d(2026, 3, 1), d(2026, 4, 19), "red"), (d(2026, 4, 20), d(2026, 6, 1), "yellow")]),  # yellow on day 60
        2: spans([(d(2026, 3, 1), d(2026, 12, 31), "red")]),  # still red on day 60: lost
        3: spans([(d(2026, 3, 1), d(2026, 4, 30), "red"), (d(2026, 5, 1), d(2026, 7, 1), "green")]),  # green on day 60
        4: spans([(d(2026, 3, 1), d(2026, 4, 1), "red"), (d(2026, 4, 2), d(2026, 4, 20), "green")]),  # churned day 40
        5: spans([(d(2026, 11, 1), d(2026, 12, 31), "red")]),  # closed Dec 1: day 60 not reached by Dec 31
        6: spans([(d(2026, 6, 1), d(2026, 7, 14), "red"), (d(2026, 7, 15), d(2026, 9, 1), "yellow")]),
        7: spans([
            (d(2026, 7, 1), d(2026, 7, 3), "red"),
            (d(2026, 7, 4), d(2026, 7, 19), "yellow"),  # recovered for a while …
            (d(2026, 7, 20), d(2026, 9, 30), "red"),  # … but red again on day 60: lost
        ]),
        8: spans([(d(2026, 3, 1), d(2026, 3, 20), "red")]),  # no snapshot near day 60, no churn: no evidence
    }
    tasks = [
        Intervention(1, d(2026, 3, 5), d(2026, 3, 10)),
        Intervention(2, d(2026, 3, 5), d(2026, 3, 10)),
        Intervention(3, d(2026, 3, 5), d(2026, 3, 10)),
        Intervention(4, d(2026, 3, 5), d(2026, 3, 10)),
        Intervention(5, d(2026, 11, 5), d(2026, 12, 1)),
        Intervention(6, d(2026, 6, 2), d(2026, 6, 10)),  # first task: yellow 60 days later
        Intervention(6, d(2026, 6, 20), d(2026, 7, 1)),  # second task of the same account: ignored
        Intervention(7, d(2026, 7, 2), d(2026, 7, 5)),
        Intervention(8, d(2026, 3, 5), d(2026, 3, 10)),
    ]
    outcomes = [OutcomeCase(4, "churned", d(2026, 4, 19)), OutcomeCase(1, "renewed", d(2026, 8, 1))]
    result = intervention_success(
        timelines, tasks, outcomes=outcomes, start=d(2026, 1, 1), end=d(2026, 12, 31), as_of=d(2026, 12, 31)
    )
    # Counted: 1, 2, 3, 4, 6, 7 (5 pending, 8 no evidence); stayed: 1, 3, 6.
    assert (result.numerator, result.denominator) == (3, 6)
    assert result.value == 0.5


def test_the_stay_outcome_of_one_intervention():
    closed, as_of = d(2026, 3, 1), d(2026, 12, 31)
    assert stay_outcome(closed=closed, as_of=as_of, tier_at_end="yellow") == STAYED
    assert stay_outcome(closed=closed, as_of=as_of, tier_at_end="red") == LOST
    assert stay_outcome(closed=closed, as_of=as_of, tier_at_end="green", churned_on=[d(2026, 4, 1)]) == LOST
    # A churn after day 60 does not undo the stay; one before the intervention does not count.
    assert stay_outcome(closed=closed, as_of=as_of, tier_at_end="green", churned_on=[d(2026, 6, 1), d(2025, 1, 1)]) == STAYED
    assert stay_outcome(closed=closed, as_of=d(2026, 4, 1), tier_at_end=None) == PENDING
    assert stay_outcome(closed=closed, as_of=as_of, tier_at_end=None) == NO_EVIDENCE
