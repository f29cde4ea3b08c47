"""The one definition of *intervention success* and of *lead time* (pure, no ORM).

The manager dashboard (``playbooks.dashboard``), the Validation page and ``manage.py
backtest`` (both through ``scoring.backtest``) all call these functions, so the three
can never disagree on the same data again.

Intervention success — the seed guides' "what percentage of intervened Red accounts
stayed?":

- an *intervention* is a completed red-playbook task (see
  ``scoring.validation.red_intervention_q``: done, and opened while the account was red);
- per account only its first intervention closed in the period counts;
- the account *stayed* when, ``STAY_DAYS`` (60) days after the task was completed, it has
  not churned (no churn outcome from the completion day to day 60) and is not red on day
  60 (its tier that day, or the latest snapshot at most ``TOLERANCE_DAYS`` earlier);
- until day 60 has passed the case is *pending* and left out of the share; with neither a
  churn nor a snapshot near day 60 there is no evidence and it is left out too.

Lead time — "how many days before churn does the health score drop?": the final run of
consecutive red snapshots among those dated in the ``LEAD_WINDOW_DAYS`` (180) days before
the churn date; lead time = churn date − the run's first day (so never more than 180).
Any non-red snapshot breaks a run (a yellow day ends it: the score stopped warning). A
churn with snapshots in the window but no red one was *not warned*.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

STAY_DAYS = 60
LEAD_WINDOW_DAYS = 180
TOLERANCE_DAYS = 7
RED = "red"

STAYED, LOST, PENDING, NO_EVIDENCE = "stayed", "lost", "pending", "no_evidence"


@dataclass(frozen=True)
class Intervention:
    """A completed red playbook task: created and closed dates."""

    account_id: int
    created: date
    closed: date


def first_interventions(interventions: Iterable[Intervention], *, start: date, end: date) -> dict[int, Intervention]:
    """Per account, its first intervention closed in [start, end]."""
    first: dict[int, Intervention] = {}
    for i in sorted(interventions, key=lambda i: (i.closed, i.created)):
        if start <= i.closed <= end and i.account_id not in first:
            first[i.account_id] = i
    return first


def stay_outcome(
    *, closed: date, as_of: date, tier_at_end: str | None, churned_on: Sequence[date] = (), days: int = STAY_DAYS
) -> str:
    """STAYED, LOST, PENDING or NO_EVIDENCE for one intervention completed on ``closed``.

    ``tier_at_end``: the account's effective tier ``days`` after ``closed`` (None: no
    snapshot then); ``churned_on``: the account's churn dates.
    """
    end = closed + timedelta(days=days)
    if any(closed <= c <= end for c in churned_on):
        return LOST if min(c for c in churned_on if c >= closed) <= as_of else PENDING
    if end > as_of:
        return PENDING
    if tier_at_end is None:
        return NO_EVIDENCE
    return LOST if tier_at_end == RED else STAYED


@dataclass(frozen=True)
class StayCounts:
    stayed: int = 0
    lost: int = 0
    pending: int = 0
    no_evidence: int = 0

    @property
    def treated(self) -> int:
        """Interventions whose 60 days are over, with evidence: the share's denominator."""
        return self.stayed + self.lost

    @property
    def share(self) -> float | None:
        return self.stayed / self.treated if self.treated else None


def stay_counts(outcomes: Iterable[str]) -> StayCounts:
    tally = {STAYED: 0, LOST: 0, PENDING: 0, NO_EVIDENCE: 0}
    for outcome in outcomes:
        tally[outcome] += 1
    return StayCounts(tally[STAYED], tally[LOST], tally[PENDING], tally[NO_EVIDENCE])


def lead_time_days(
    dates: Sequence[date], tiers: Sequence[str], churn: date, *, window: int = LEAD_WINDOW_DAYS
) -> int | None | bool:
    """Days from the start of the final red run (within ``window`` days before ``churn``) to churn.

    ``dates``/``tiers``: the account's snapshots in date order. Returns the days, ``None``
    when there are snapshots in the window but none red (not warned), ``False`` when there
    is no snapshot in the window at all (no evidence).
    """
    lo = bisect_right(dates, churn - timedelta(days=window + 1))
    hi = bisect_right(dates, churn)
    if lo >= hi:
        return False
    start = None
    i = hi - 1
    # Walk back from the churn date to the last red snapshot, then to the first of its run.
    while i >= lo and tiers[i] != RED:
        i -= 1
    while i >= lo and tiers[i] == RED:
        start = dates[i]
        i -= 1
    return None if start is None else (churn - start).days
