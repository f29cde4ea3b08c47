"""Backfill: rebuild daily history from raw observations (prefix sums, in memory).

A rebuild covers any date range (``first_day``..``last_day``): day D is scored as of the end of D (or now,
for today), hysteresis and the change log running forward from the state before the range. Each snapshot
names the version that scored it. A churned account is scored up to its churn date only.

Every day but each account's last is scored by its numbers alone (``engine.compute_numbers``: score,
tiers, hysteresis, sub-scores and contributions, no explanation), which is all a compact snapshot and
the change log read; the last day gets the full result, which becomes the account's AccountScore.

Its ``changes`` are only those dated today, so the caller's triggers never act on the past; only the last
N days (``--backfill-days``) record them in the outbox, a date range records nothing.

Nothing here checks for stored history: every rebuild goes through ``scoring.history.history_rebuild``, which
refuses to replace stored snapshots unless asked, and audits and marks a replacement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from accounts.models import Account
from scoring import selectors
from scoring.engine import (
    HISTORY_DAYS,
    AccountNumbers,
    AccountResult,
    History,
    ModelSpec,
    PriorState,
    SeriesAggregator,
    compute_account,
    compute_numbers,
)
from scoring.models import AccountScore, ScoreChange
from scoring.snapshot_pack import packable
from scoring.writes import RecomputeResult, baseline_of, change_for, scores_write, snapshot_of

DAY = dt.timedelta(days=1)


def day_end(day: dt.date, now: dt.datetime) -> dt.datetime:
    """The instant a day is scored at: its last microsecond (local time), or ``now`` for today."""
    end = timezone.make_aware(dt.datetime.combine(day + DAY, dt.time.min)) - dt.timedelta(microseconds=1)
    return min(end, now)


def backfill_chunk(chunk: Sequence[int], specs: dict[int, ModelSpec], routing: dict, now: dt.datetime,
                   days: int = 0, *, first_day: dt.date | None = None, last_day: dt.date | None = None,
                   effects: bool = True) -> RecomputeResult:
    """Rebuild the daily snapshots of ``first_day``..``last_day`` (default: the ``days`` days ending at
    ``now``) from raw observations, in memory.

    ``effects`` (the last N days only): record the accounts and today's change-log rows in the outbox,
    so the triggers act on those and never on the past. A date range (``--from/--to``) records nothing:
    history opens no tasks and sends no alerts."""
    today = timezone.localdate(now)
    legacy = last_day is None  # the last N days: day D scored at now − (today − D), as it always was
    if legacy:
        last_day, first_day = today, today - (days - 1) * DAY
    versions = selectors.account_versions(chunk, routing)
    ids = list(versions)
    signals = selectors.signals_of([specs[v] for v in set(versions.values())])
    if not ids or not signals or first_day > last_day:
        return RecomputeResult()
    instants = []
    d = first_day
    while d <= last_day:
        instants.append((d, now - (today - d) if legacy else day_end(d, now)))
        d += DAY
    start, end = instants[0][1], instants[-1][1]
    horizon = max(s.horizon_days for s in signals) * DAY
    raw = selectors.raw_observations(
        account_ids=ids, signal_ids=[s.id for s in signals], since=start - DAY - horizon, until=end
    )
    by_id = {s.id: s for s in signals}
    series = {key: SeriesAggregator(by_id[key[1]], obs, ref=end) for key, obs in raw.items()}
    overrides = selectors.overrides_for(ids, start)
    scored_before = selectors.accounts_scored_before(ids, first_day)
    # A churned account's history ends on its churn date: no snapshot, score or change after it.
    ended = dict(Account.objects.filter(pk__in=ids, churned_on__isnull=False).values_list("pk", "churned_on"))
    prior: dict[int, PriorState | None] = {}
    baseline: dict[int, dict | None] = {}
    past: dict[int, dict[dt.date, float]] = {aid: {} for aid in ids}
    trail: dict[int, list[float]] = {aid: [] for aid in ids}
    results: dict[int, AccountResult | AccountNumbers] = {}
    last_at: dict[int, dt.datetime] = {}
    # Each account's last day in the range gets the full result (its explanation is the AccountScore's);
    # the days before only their numbers (what a snapshot and the change log keep).
    final = {aid: min(last_day, ended.get(aid, last_day)) for aid in ids}
    # A model whose signal ids do not fit a packed snapshot keeps the full JSON on every day.
    in_full = {vid for vid in set(versions.values()) if not packable(s.id for s in specs[vid].signals)}
    # Each account's series, looked up once: (signal id, aggregator) for the signals of its model with data.
    walks = {aid: [(s.id, series[(aid, s.id)]) for s in specs[versions[aid]].signals if (aid, s.id) in series]
             for aid in ids}
    snapshots, changes = [], []
    for day, as_of in instants:
        as_of_s = as_of.timestamp()  # every series is read at this instant
        for aid in ids:
            if aid in ended and day > ended[aid]:
                continue
            spec = specs[versions[aid]]
            mine = past[aid]
            recent = trail[aid][-spec.rapid_decline_days:]  # scores of the previous days, in order
            peak = max(recent) if recent else None
            aggregates = {sid: ser.at_epoch(as_of_s) for sid, ser in walks[aid]}
            if day == final[aid] or versions[aid] in in_full:
                history = History(past={n: mine[day - n * DAY] for n in HISTORY_DAYS if day - n * DAY in mine},
                                  peak=peak)
                r = compute_account(model=spec, aggregates=aggregates, now=as_of, today=day,
                                    prior=prior.get(aid), history=history, overrides=overrides.get(aid, ()))
            else:  # the trend (History.past) is the AccountScore's only
                r = compute_numbers(model=spec, aggregates=aggregates, now=as_of, today=day,
                                    prior=prior.get(aid), history=History(peak=peak),
                                    overrides=overrides.get(aid, ()))
            if r.tier:  # days without a tier (not enough data yet) are no baseline for a trend
                mine[day] = r.score
                trail[aid].append(r.score)
            snapshots.append(snapshot_of(aid, day, r))
            # Day one of the range is the first score only for accounts without older history.
            first_of_old = aid not in baseline and aid in scored_before
            change = None if first_of_old else change_for(aid, day, baseline.get(aid), r)
            if change is not None:
                changes.append(change)
            prior[aid] = PriorState(tier=r.tier, tier_since=r.tier_since, pending_tier=r.pending_tier,
                                    pending_since=r.pending_since)
            # The change log's baseline is its last entry (a slow slide adds up to a row), or the day's
            # score while the account has no entry yet (first day of the range, not enough data).
            if change is not None or aid not in baseline or not baseline[aid]["tier"]:
                baseline[aid] = baseline_of(r)
            results[aid] = r
            last_at[aid] = as_of
    # The current score follows the rebuild only where it is not newer than the rebuilt range (a year-old
    # rebuild does not overwrite today's scores); it is dated as of the day it describes.
    newer = set(AccountScore.objects.filter(account_id__in=list(results), computed_at__gt=end)
                .values_list("account_id", flat=True))
    current = {aid: r for aid, r in results.items() if aid not in newer}
    with transaction.atomic():
        # A rebuild: entries of the range that the new history does not repeat go (markers of earlier
        # replacements stay: the audit trail of history).
        (ScoreChange.objects.filter(account_id__in=ids, date__gte=first_day, date__lte=last_day)
         .exclude(cause=ScoreChange.Cause.HISTORY_REPLACED).delete())
        outbox: list[int] = []
        scores = scores_write(results=current, snapshots=snapshots, changes=changes, now=end,
                              computed_at={aid: last_at[aid] for aid in current},
                              effects=effects and legacy, effect_date=today, outbox=outbox)
    return RecomputeResult(
        account_ids=ids, changes=[c for c in changes if c.date == today], scores={s.account_id: s for s in scores},
        outbox_ids=outbox,
    )
