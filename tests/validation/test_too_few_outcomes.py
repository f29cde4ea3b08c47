from __future__ import annotations

from datetime import date

from scoring.backtest import BacktestInput, Figure, OutcomeCase, backtest_report, report_as_json
from tests.validation.timeline import daily

D = date(2026, 6, 30)


def test_it_gives_no_percentage_below_five_in_the_denominator():
    assert Figure(3, 4).value is None
    assert Figure(3, 4).percent == "too few outcomes (4 < 5)"
    assert Figure(3, 5).value == 0.6
    assert Figure(3, 5).percent == "60% (3/5)"


def test_it_reports_too_few_outcomes_for_every_figure_of_a_tiny_history():
    timelines = {1: daily(D, [(200, "red")]), 2: daily(D, [(200, "green")])}
    outcomes = [OutcomeCase(1, "churned", D), OutcomeCase(2, "renewed", D)]
    report = report_as_json(
        backtest_report(BacktestInput(timelines, outcomes, [], date(2026, 1, 1), D, date(2026, 12, 31)))
    )
    assert report["outcomes"] == {"churned": 1, "renewed": 1}
    assert report["recall"]["90"]["red"] == {"numerator": 1, "denominator": 1, "value": None, "enough": False}
    assert report["auc"]["enough"] is False and report["auc"]["value"] is None
    assert report["lead_time"]["enough"] is False and report["lead_time"]["median"] is None
    assert report["renewal_by_tier"]["green"]["figure"]["value"] is None
    assert report["renewal_by_tier"]["green"]["meets"] is None
    assert report["precision"]["90"]["all"]["enough"] is False
    assert report["intervention_success"]["denominator"] == 0
