"""Backfill: rebuild daily history from raw observations (prefix sums, in memory)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from accounts.models import Account
from scoring import selectors
from scoring.engine import (
    HISTORY_DAYS,
    AccountResult,
    History,
    ModelSpec,
    PriorState,
    SeriesAggregator,
    compute_account,
)
from scoring.models import ScoreChange
from scoring.writes import RecomputeResult, baseline_of, change_for, scores_write, snapshot_of


def backfill_chunk(chunk: Sequence[int], specs: dict[int, ModelSpec], routing: dict, now: dt.datetime,
                    days: int, effects: bool = True) -> RecomputeResult:
    """Rebuild ``days`` daily snapshots ending at ``now`` from raw observations (prefix sums, in memory).

    ``effects``: record the accounts and the last day's change-log rows in the outbox (the
    triggers act on those only, never on the past)."""
    versions = selectors.account_versions(chunk, routing)
    ids = list(versions)
    signals = selectors.signals_of([specs[v] for v in set(versions.values())])
    if not ids or not signals:
        return RecomputeResult()
    day = dt.timedelta(days=1)
    start = now - (days - 1) * day
    horizon = max(s.horizon_days for s in signals) * day
    raw = selectors.raw_observations(
        account_ids=ids, signal_ids=[s.id for s in signals], since=start - horizon, until=now
    )
    by_id = {s.id: s for s in signals}
    series = {key: SeriesAggregator(by_id[key[1]], obs, ref=now) for key, obs in raw.items()}
    overrides = selectors.overrides_for(ids, start)
    first_day, last_day = timezone.localdate(start), timezone.localdate(now)
    # A churned account's history ends on its churn date: no snapshot, score or change after it.
    ended = dict(Account.objects.filter(pk__in=ids, churned_on__isnull=False).values_list("pk", "churned_on"))
    scored_before = selectors.accounts_scored_before(ids, first_day)
    prior: dict[int, PriorState | None] = {}
    baseline: dict[int, dict | None] = {}
    past: dict[int, dict[dt.date, float]] = {aid: {} for aid in ids}
    trail: dict[int, list[float]] = {aid: [] for aid in ids}
    results: dict[int, AccountResult] = {}
    snapshots, changes = [], []
    for k in range(days - 1, -1, -1):
        as_of = now - k * day
        today = timezone.localdate(as_of)
        for aid in ids:
            if aid in ended and today > ended[aid]:
                continue
            spec = specs[versions[aid]]
            mine = past[aid]
            recent = trail[aid][-spec.rapid_decline_days:]  # scores of the previous days, in order
            peak = max(recent) if recent else None
            history = History(past={d: mine[today - d * day] for d in HISTORY_DAYS if today - d * day in mine},
                              peak=peak)
            aggregates = {s.id: series[(aid, s.id)].at(as_of) for s in spec.signals if (aid, s.id) in series}
            r = compute_account(model=spec, aggregates=aggregates, now=as_of, today=today, prior=prior.get(aid),
                                history=history, overrides=overrides.get(aid, ()))
            if r.tier:  # days without a tier (not enough data yet) are no baseline for a trend
                mine[today] = r.score
                trail[aid].append(r.score)
            snapshots.append(snapshot_of(aid, today, r))
            # Day one of the range is the first score only for accounts without older history.
            first_of_old = aid not in baseline and aid in scored_before
            change = None if first_of_old else change_for(aid, today, baseline.get(aid), r)
            if change is not None:
                changes.append(change)
            prior[aid] = PriorState(tier=r.tier, tier_since=r.tier_since, pending_tier=r.pending_tier,
                                    pending_since=r.pending_since)
            baseline[aid] = baseline_of(r)
            results[aid] = r
    with transaction.atomic():
        # A rebuild: entries of the range that the new history does not repeat go.
        ScoreChange.objects.filter(account_id__in=ids, date__gte=first_day, date__lte=last_day).delete()
        outbox: list[int] = []
        scores = scores_write(results=results, snapshots=snapshots, changes=changes, now=now,
                              effects=effects, effect_date=last_day, outbox=outbox)
    return RecomputeResult(
        account_ids=ids, changes=[c for c in changes if c.date == last_day], scores={s.account_id: s for s in scores},
        outbox_ids=outbox,
    )
