"""Hand-built histories for the backtest tests (plain data, no database)."""

from __future__ import annotations

from datetime import date, timedelta

from scoring.backtest import Day

SCORE_OF = {"green": 80.0, "yellow": 60.0, "red": 30.0}


def daily(end: date, spec: list[tuple[int, str | None]], last: int = 1) -> list[Day]:
    """One Day per date from ``end − spec[0][0]`` to ``end − last``.

    ``spec``: (days before ``end``, tier from that day on); tier None means no snapshots.
    """
    days = []
    for i, (offset, tier) in enumerate(spec):
        stop = spec[i + 1][0] if i + 1 < len(spec) else last - 1
        if tier is None:
            continue
        for back in range(offset, stop, -1):
            days.append(Day(end - timedelta(days=back), SCORE_OF[tier], tier))
    return days


def spans(spec: list[tuple[date, date, str]]) -> list[Day]:
    """One Day per date for each (first, last, tier) span, inclusive."""
    days = []
    for first, last, tier in spec:
        when = first
        while when <= last:
            days.append(Day(when, SCORE_OF[tier], tier))
            when += timedelta(days=1)
    return days
