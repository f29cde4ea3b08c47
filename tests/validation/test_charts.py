from __future__ import annotations

from scoring.backtest import Figure, LeadTimes
from scoring.validation_charts import lead_time_histogram, renewal_band_chart


def test_it_draws_a_bar_only_for_bands_with_enough_outcomes():
    bands = [{"low": 10 * i, "high": 10 * i + 10, "figure": Figure(0, 0)} for i in range(10)]
    bands[8]["figure"] = Figure(9, 10)
    bands[2]["figure"] = Figure(1, 3)
    svg = str(renewal_band_chart(bands))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count("<rect") == 1
    assert "90% n=10" in svg and "n=3" in svg
    assert "green ≥ 85%" in svg


def test_it_draws_the_lead_time_histogram_with_the_never_red_bar():
    svg = str(lead_time_histogram(LeadTimes(days=[10, 30, 50, 100, 120], churned=6, no_warning=1)))
    assert svg.count("<rect") == 6  # five buckets (lead time never exceeds 180 days) and "never red"
    # The plot is 166 px high; the 91–180 bucket holds the most (2): full height; 1 → half.
    assert svg.count('height="166.0"') == 1
    assert svg.count('height="83.0"') == 4  # 0–14, 15–30, 31–60, never red
    assert svg.count('height="0.0"') == 1  # 61–90
    assert "> 180" not in svg
    assert "never red" in svg
