"""Backtest of a health score against outcomes: pure functions over plain data (no ORM).

Inputs are per-account *timelines* (one ``Day`` per snapshot: date, score, effective
tier), outcome cases and completed red interventions. ``scoring.validation`` loads them
from the database; the tests build them by hand.

Definitions (also shown on the Validation page):

- *Tier N days before* an outcome: the snapshot on that day, or the latest one up to
  ``TOLERANCE_DAYS`` earlier; no snapshot → the case has no evidence at that horizon.
- *Bad outcome*: churned or contracted. *Churn*: churned only. *Renewed*: every other
  outcome (renewed, expanded, contracted — a contraction still renews).
- Every rate carries its counts; below ``MIN_COUNT`` in the denominator it has no value
  and the report says "too few outcomes".
"""

from __future__ import annotations

import statistics
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TypeVar

from scoring.measures import (
    LEAD_WINDOW_DAYS,
    LOST,
    STAY_DAYS,
    STAYED,
    Intervention,
    first_interventions,
    lead_time_days,
    stay_outcome,
)

MIN_COUNT = 5
TOLERANCE_DAYS = 7
HORIZONS = (90, 60, 30, 14)
PRECISION_HORIZONS = (90, 180)
INTERVENTION_WINDOW = STAY_DAYS
RED, YELLOW, GREEN = "red", "yellow", "green"
CHURNED, CONTRACTED = "churned", "contracted"
BAD_KINDS = frozenset({CHURNED, CONTRACTED})
# The seed guides' expected renewal rate per tier, 90 days before renewal: (low, high).
EXPECTED_RENEWAL = {GREEN: (0.85, 1.0), YELLOW: (0.50, 0.70), RED: (0.0, 0.30)}
EXPECTED_LABEL = {GREEN: "≥ 85%", YELLOW: "50–70%", RED: "< 30%"}
LEAD_BUCKETS = ((0, 14), (15, 30), (31, 60), (61, 90), (91, LEAD_WINDOW_DAYS))


@dataclass(frozen=True)
class Day:
    date: date
    score: float
    tier: str


@dataclass(frozen=True)
class OutcomeCase:
    account_id: int
    kind: str
    date: date


@dataclass(frozen=True)
class Figure:
    """A rate with the counts behind it; no value below the minimum denominator."""

    numerator: int
    denominator: int
    minimum: int = MIN_COUNT

    @property
    def enough(self) -> bool:
        return self.denominator >= self.minimum

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.enough else None

    @property
    def percent(self) -> str:
        if not self.enough:
            return f"too few outcomes ({self.denominator} < {self.minimum})"
        return f"{100 * self.numerator / self.denominator:.0f}% ({self.numerator}/{self.denominator})"

    def as_dict(self) -> dict:
        value = self.value
        return {
            "numerator": self.numerator,
            "denominator": self.denominator,
            "value": None if value is None else round(value, 4),
            "enough": self.enough,
        }


class DaySeries(Sequence[Day]):
    """A timeline kept as three columns (dates, scores, tiers), each a plain list: a ``Day`` is
    made only when one is asked for, so a year of 2,000 accounts is not 700,000 objects built
    for a report that reads a few of them (``red_precision`` and ``lead_times`` read the
    columns). Equal to a list of the same Days."""

    __slots__ = ("dates", "scores", "tiers")

    def __init__(self, dates: list[date], scores: list[float], tiers: list[str]):
        self.dates, self.scores, self.tiers = dates, scores, tiers

    def __len__(self) -> int:
        return len(self.dates)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return list(map(Day, self.dates[i], self.scores[i], self.tiers[i]))
        return Day(self.dates[i], self.scores[i], self.tiers[i])

    def __iter__(self):
        return map(Day, self.dates, self.scores, self.tiers)

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"DaySeries({list(self)!r})"


Timelines = dict[int, Sequence[Day]]
T = TypeVar("T")


def _columns(timeline: Sequence[Day]) -> tuple[Sequence[date], Sequence[str]]:
    """A timeline's dates and tiers, as two lists."""
    if isinstance(timeline, DaySeries):
        return timeline.dates, timeline.tiers
    return [d.date for d in timeline], [d.tier for d in timeline]


def latest_within(rows: list[T], when: date, *, key: Callable[[T], date], tolerance: int = TOLERANCE_DAYS) -> T | None:
    """The row (sorted by ``key``) dated ``when`` or the latest one at most ``tolerance`` days before it."""
    i = bisect_right(rows, when, key=key)
    if i == 0:
        return None
    found = rows[i - 1]
    return found if (when - key(found)).days <= tolerance else None


def day_on(timeline: Sequence[Day], when: date, tolerance: int = TOLERANCE_DAYS) -> Day | None:
    """The snapshot on ``when`` or the latest one at most ``tolerance`` days before it."""
    if isinstance(timeline, DaySeries):
        i = bisect_right(timeline.dates, when)
        return timeline[i - 1] if i and (when - timeline.dates[i - 1]).days <= tolerance else None
    return latest_within(timeline, when, key=lambda d: d.date, tolerance=tolerance)


def _red_dates_between(dates: Sequence[date], tiers: Sequence[str], first: date, last: date) -> list[date]:
    lo = bisect_right(dates, first - timedelta(days=1))
    hi = bisect_right(dates, last)
    return [dates[k] for k in range(lo, hi) if tiers[k] == RED]


def recall(outcomes: Iterable[OutcomeCase], timelines: Timelines, horizons=HORIZONS) -> dict[int, dict[str, Figure]]:
    """Share of bad outcomes (churned, contracted) that were red / red-or-yellow N days before."""
    result = {}
    bad = [o for o in outcomes if o.kind in BAD_KINDS]
    for n in horizons:
        tiers = [d.tier for o in bad if (d := day_on(timelines.get(o.account_id, []), o.date - timedelta(days=n)))]
        result[n] = {
            "red": Figure(sum(t == RED for t in tiers), len(tiers)),
            "red_or_yellow": Figure(sum(t in (RED, YELLOW) for t in tiers), len(tiers)),
        }
    return result


def red_precision(
    timelines: Timelines,
    outcomes: Iterable[OutcomeCase],
    interventions: Iterable[Intervention],
    *,
    start: date,
    end: date,
    as_of: date,
    horizons=PRECISION_HORIZONS,
) -> dict[int, dict[str, Figure]]:
    """Share of accounts red at some point that churned within H days of a red day.

    Only red days in [start, min(end, as_of − H)] count, so every flagged account had
    the full H days to churn. Hit: a churn date c with 0 ≤ c − d ≤ H for such a red day d.
    Intervened: a completed red task closed within H days after the first such red day.
    """
    churn_dates: dict[int, list[date]] = {}
    for o in outcomes:
        if o.kind == CHURNED:
            churn_dates.setdefault(o.account_id, []).append(o.date)
    closed: dict[int, list[date]] = {}
    for i in interventions:
        closed.setdefault(i.account_id, []).append(i.closed)
    result = {}
    columns = {account_id: _columns(timeline) for account_id, timeline in timelines.items()}
    for h in horizons:
        last = min(end, as_of - timedelta(days=h))
        counts = {"all": [0, 0], "intervened": [0, 0], "not_intervened": [0, 0]}
        for account_id, (dates, tiers) in columns.items():
            red_days = _red_dates_between(dates, tiers, start, last) if last >= start else []
            if not red_days:
                continue
            hit = any(0 <= (c - d).days <= h for c in churn_dates.get(account_id, []) for d in red_days)
            first = red_days[0]
            treated = any(0 <= (c - first).days <= h for c in closed.get(account_id, []))
            for key in ("all", "intervened" if treated else "not_intervened"):
                counts[key][0] += hit
                counts[key][1] += 1
        result[h] = {key: Figure(*pair) for key, pair in counts.items()}
    return result


@dataclass
class LeadTimes:
    days: list[int]
    churned: int  # churn outcomes with a snapshot in the 180 days before the churn date
    no_warning: int  # of those, never red in those 180 days
    minimum: int = MIN_COUNT

    @property
    def enough(self) -> bool:
        return len(self.days) >= self.minimum

    def quartiles(self) -> tuple[float, float, float] | None:
        if not self.enough:
            return None
        q1, median, q3 = statistics.quantiles(sorted(self.days), n=4, method="inclusive")
        return q1, median, q3

    def buckets(self) -> list[tuple[str, int]]:
        rows = []
        for lo, hi in LEAD_BUCKETS:
            label = f"{lo}–{hi}" if hi is not None else f"> {lo - 1}"
            rows.append((label, sum(1 for d in self.days if d >= lo and (hi is None or d <= hi))))
        return rows

    def as_dict(self) -> dict:
        q = self.quartiles()
        return {
            "count": len(self.days),
            "churned": self.churned,
            "no_warning": self.no_warning,
            "enough": self.enough,
            "q1": q and q[0],
            "median": q and q[1],
            "q3": q and q[2],
            "histogram": [{"bucket": label, "count": n} for label, n in self.buckets()],
        }


def lead_times(outcomes: Iterable[OutcomeCase], timelines: Timelines) -> LeadTimes:
    """Days from the start of the final red run within 180 days before churn, to churn
    (the definition lives in ``scoring.measures.lead_time_days``)."""
    days, churned, no_warning = [], 0, 0
    columns: dict[int, tuple[Sequence[date], Sequence[str]]] = {}
    for o in outcomes:
        if o.kind != CHURNED:
            continue
        if o.account_id not in columns:
            columns[o.account_id] = _columns(timelines.get(o.account_id, []))
        lead = lead_time_days(*columns[o.account_id], o.date)
        if lead is False:
            continue
        churned += 1
        if lead is None:
            no_warning += 1
        else:
            days.append(lead)
    return LeadTimes(days=days, churned=churned, no_warning=no_warning)


def _points_at(outcomes: Iterable[OutcomeCase], timelines: Timelines, at: int) -> list[tuple[OutcomeCase, Day]]:
    rows = []
    for o in outcomes:
        d = day_on(timelines.get(o.account_id, []), o.date - timedelta(days=at))
        if d is not None:
            rows.append((o, d))
    return rows


def renewal_by_tier(outcomes: Iterable[OutcomeCase], timelines: Timelines, at: int = 90) -> dict[str, dict]:
    """Renewal rate per effective tier ``at`` days before each outcome, beside the guides' range."""
    rows = _points_at(outcomes, timelines, at)
    result = {}
    for tier in (GREEN, YELLOW, RED):
        kinds = [o.kind for o, d in rows if d.tier == tier]
        fig = Figure(sum(k != CHURNED for k in kinds), len(kinds))
        lo, hi = EXPECTED_RENEWAL[tier]
        meets = None if fig.value is None else lo <= fig.value <= hi
        result[tier] = {"figure": fig, "expected": EXPECTED_LABEL[tier], "meets": meets}
    return result


def renewal_by_band(outcomes: Iterable[OutcomeCase], timelines: Timelines, at: int = 90, width: int = 10) -> list[dict]:
    """Renewal rate per score band (0–10, 10–20, … 90–100) ``at`` days before each outcome."""
    rows = _points_at(outcomes, timelines, at)
    bands = []
    for lo in range(0, 100, width):
        hi = lo + width
        kinds = [o.kind for o, d in rows if lo <= d.score < hi or (hi == 100 and d.score == 100)]
        bands.append({"low": lo, "high": hi, "figure": Figure(sum(k != CHURNED for k in kinds), len(kinds))})
    return bands


@dataclass
class Auc:
    value: float | None
    positives: int
    negatives: int
    minimum: int = MIN_COUNT

    def as_dict(self) -> dict:
        return {
            "value": None if self.value is None else round(self.value, 4),
            "positives": self.positives,
            "negatives": self.negatives,
            "enough": self.value is not None,
        }


def roc_auc(samples: Iterable[tuple[float, bool]], minimum: int = MIN_COUNT) -> Auc:
    """ROC AUC of a score where *lower is riskier* and ``True`` marks a churn.

    Mann–Whitney with average ranks for ties: the probability that a random retained
    account scored higher than a random churned one, ties counting one half.
    """
    ordered = sorted(samples, key=lambda s: s[0])
    n_pos = sum(1 for _, pos in ordered if pos)
    n_neg = len(ordered) - n_pos
    if n_pos < minimum or n_neg < minimum:
        return Auc(None, n_pos, n_neg, minimum)
    rank_sum_neg = 0.0
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1][0] == ordered[i][0]:
            j += 1
        average_rank = (i + j) / 2 + 1  # ranks are 1-based
        rank_sum_neg += average_rank * sum(1 for _, pos in ordered[i : j + 1] if not pos)
        i = j + 1
    u = rank_sum_neg - n_neg * (n_neg + 1) / 2
    return Auc(u / (n_pos * n_neg), n_pos, n_neg, minimum)


def auc_at(outcomes: Iterable[OutcomeCase], timelines: Timelines, at: int = 90) -> Auc:
    return roc_auc([(d.score, o.kind == CHURNED) for o, d in _points_at(outcomes, timelines, at)])


def intervention_success(
    timelines: Timelines,
    interventions: Iterable[Intervention],
    *,
    outcomes: Iterable[OutcomeCase] = (),
    start: date,
    end: date,
    as_of: date,
    window: int = INTERVENTION_WINDOW,
) -> Figure:
    """Share of intervened red accounts that stayed (``scoring.measures.stay_outcome``):
    per account its first red intervention closed in [start, end]; stayed = not churned
    and not red ``window`` days after completion. Pending and no-evidence cases are left out."""
    churns: dict[int, list[date]] = {}
    for o in outcomes:
        if o.kind == CHURNED:
            churns.setdefault(o.account_id, []).append(o.date)
    wins = total = 0
    for account_id, i in first_interventions(interventions, start=start, end=end).items():
        at_end = day_on(timelines.get(account_id, []), i.closed + timedelta(days=window))
        result = stay_outcome(
            closed=i.closed, as_of=as_of, tier_at_end=at_end.tier if at_end else None,
            churned_on=churns.get(account_id, ()), days=window,
        )
        if result in (STAYED, LOST):
            total += 1
            wins += result == STAYED
    return Figure(wins, total)


@dataclass
class BacktestInput:
    timelines: Timelines
    outcomes: list[OutcomeCase]
    interventions: list[Intervention] = field(default_factory=list)
    start: date | None = None
    end: date | None = None
    as_of: date | None = None


def backtest_report(data: BacktestInput) -> dict:
    """Every figure of the report, as plain data (Figures kept as objects for templates)."""
    outcomes = [o for o in data.outcomes if data.start <= o.date <= data.end]
    kinds: dict[str, int] = {}
    for o in outcomes:
        kinds[o.kind] = kinds.get(o.kind, 0) + 1
    window = {"start": data.start, "end": data.end, "as_of": data.as_of}
    return {
        "outcomes": kinds,
        "recall": recall(outcomes, data.timelines),
        "precision": red_precision(data.timelines, outcomes, data.interventions, **window),
        "lead_time": lead_times(outcomes, data.timelines),
        "renewal_by_tier": renewal_by_tier(outcomes, data.timelines),
        "renewal_by_band": renewal_by_band(outcomes, data.timelines),
        "auc": auc_at(outcomes, data.timelines),
        "auc_by_horizon": {n: auc_at(outcomes, data.timelines, at=n) for n in HORIZONS},
        "intervention_success": intervention_success(
            data.timelines, data.interventions, outcomes=data.outcomes, **window
        ),
    }


def report_as_json(report: dict) -> dict:
    """The report with every Figure / LeadTimes / Auc turned into plain JSON data."""

    def plain(value):
        if isinstance(value, Figure | LeadTimes | Auc):
            return value.as_dict()
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, date):
            return value.isoformat()
        return value

    return plain(report)
