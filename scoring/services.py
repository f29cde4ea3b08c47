"""Recompute scores: set-based reads per chunk, the pure engine, bulk upserts.

Per chunk of accounts (settings.RECOMPUTE_CHUNK_SIZE) a fixed number of
queries: one GROUP BY for the observations (decay-weighted window sums, counts,
newest value per account and signal — see selectors.signal_aggregates), a few
for stored state, and one upsert per table. A run over every account aggregates
once per AGGREGATE_BLOCK accounts (one sweep of the table) and, on PostgreSQL,
writes each chunk from a second thread while the next one is computed.
Backfill (scoring.backfill) rebuilds daily history from raw observations; the
writes and change-log rows are in scoring.writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.models import Account
from scoring import selectors
from scoring.backfill import backfill_chunk
from scoring.engine import AccountResult, ModelSpec, compute_account
from scoring.models import ScoreChange, ScoreModelVersion
from scoring.writes import (  # RecomputeResult is re-exported: callers import it from here
    Planned,
    RecomputeResult,
    change_for,
    qualifies,
    snapshot_of,
    unchanged,
)

__all__ = ["RecomputeResult", "scores_preview", "scores_recompute"]

Progress = Callable[[int, int], None]
# Backfill reads raw observations into memory: keep its chunks small.
BACKFILL_CHUNK_SIZE = 250
# A full recompute aggregates the observations of this many accounts per query.
AGGREGATE_BLOCK = 20000


def _chunks(ids: Sequence[int], size: int):
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


# --- preview (no writes) ---------------------------------------------------------


def scores_preview(
    *, version: ScoreModelVersion, account_ids: Sequence[int] | None = None, now: dt.datetime
) -> dict[int, AccountResult]:
    """Score accounts with ``version`` (any status) at ``now`` without writing anything.

    account_ids=None: every active account. Hysteresis and trend use the stored
    state and history, as a real recompute would.
    """
    if account_ids is None:
        account_ids = list(Account.objects.filter(status=Account.Status.ACTIVE).order_by("pk").values_list("pk", flat=True))
    spec = selectors.model_specs([version])[version.pk]
    today = timezone.localdate(now)
    out: dict[int, AccountResult] = {}
    for chunk in _chunks(list(account_ids), settings.RECOMPUTE_CHUNK_SIZE):
        aggregates = selectors.signal_aggregates(signals=spec.signals, now=now, account_ids=chunk)
        current = selectors.current_scores(chunk, components=False)
        hist = selectors.histories(chunk, today, [spec.rapid_decline_days])
        overrides = selectors.overrides_for(chunk, now)
        for aid in chunk:
            out[aid] = compute_account(
                model=spec, aggregates=aggregates.get(aid, {}), now=now, today=today,
                prior=selectors.prior_state(current.get(aid)), history=hist[aid][spec.rapid_decline_days],
                overrides=overrides.get(aid, ()),
            )
    return out


def _first_today(entry: dict | None) -> bool:
    """Today's data entry is the account's first score (a rerun of its first day)."""
    return entry is not None and entry["from_score"] is None


def _recompute_chunk(chunk: Sequence[int], specs: dict[int, ModelSpec], routing: dict, now: dt.datetime,
                     aggregates: dict | None = None) -> Planned:
    today = timezone.localdate(now)
    versions = selectors.account_versions(chunk, routing)
    ids = list(versions)
    if aggregates is None:
        used = [specs[v] for v in set(versions.values())]
        aggregates = selectors.signal_aggregates(signals=selectors.signals_of(used), now=now, account_ids=ids)
    current = selectors.current_scores(ids, components=False)
    hist = selectors.histories(ids, today, {specs[v].rapid_decline_days for v in versions.values()})
    overrides = selectors.overrides_for(ids, now)
    # Baseline of the change log: the state before today (AccountScore unless already computed today).
    redo = [aid for aid, row in current.items() if timezone.localdate(row["computed_at"]) >= today]
    earlier = selectors.earlier_snapshots(redo, today) if redo else {}
    existing = selectors.changes_on(ids, today, today)
    results: dict[int, AccountResult] = {}
    snapshots, changes = [], []
    baselines: dict[int, dict | None] = {}
    for aid in ids:
        spec = specs[versions[aid]]
        row = current.get(aid)
        r = compute_account(
            model=spec, aggregates=aggregates.get(aid, {}), now=now, today=today, prior=selectors.prior_state(row),
            history=hist[aid][spec.rapid_decline_days], overrides=overrides.get(aid, ()),
        )
        results[aid] = r
        snapshots.append(snapshot_of(aid, today, r))
        if aid not in redo:
            baselines[aid] = row  # None: the account's first score
        elif aid in earlier or _first_today(existing.get((aid, today, ScoreChange.Cause.DATA))):
            baselines[aid] = earlier.get(aid)
        # else: computed earlier today with no recent snapshot to compare with: no entry
    # Components of the stored scores only where an entry will be written (they are big).
    needed = [aid for aid, b in baselines.items()
              if b is not None and aid not in redo and qualifies(b, results[aid])]
    stored = selectors.score_components(needed) if needed else {}
    for aid, baseline in baselines.items():
        if aid in stored:
            baseline = {**baseline, "components": stored[aid]}
        change = change_for(aid, today, baseline, results[aid])
        if change is not None and not unchanged(existing.get((aid, today, change.cause)), change):
            changes.append(change)
    return Planned(results=results, snapshots=snapshots, changes=changes)


def scores_recompute(
    *, account_ids: list[int] | None = None, now: dt.datetime, backfill_days: int = 0,
    progress: Progress | None = None, account_range: tuple[int, int] | None = None,
) -> RecomputeResult:
    """Recompute the given accounts (None: every active account) as of ``now``.

    account_range=(first, end): the active accounts with first ≤ id < end (a chunk of the
    daily run), read like a full run: one aggregation over the id range, no IN list.

    backfill_days=N rebuilds the last N days of history (one snapshot a day,
    hysteresis and change log running forward from no state, existing change-log
    entries of that range replaced). Its ``changes`` are only those dated today,
    so triggers never act on the past.
    """
    if account_ids is None:
        active = Account.objects.filter(status=Account.Status.ACTIVE)
        if account_range is not None:
            active = active.filter(pk__gte=account_range[0], pk__lt=account_range[1])
        ids = list(active.order_by("pk").values_list("pk", flat=True))
    else:
        ids = sorted(set(account_ids))
    specs, routing = selectors.published_models()
    result = RecomputeResult()
    if not ids or not specs:
        return result
    size = settings.RECOMPUTE_CHUNK_SIZE
    if backfill_days > 0:
        size = min(size, BACKFILL_CHUNK_SIZE)
    done = 0
    # Every account: one aggregation pass per block of AGGREGATE_BLOCK accounts (by id range,
    # no IN list), so the observations are read in one sweep instead of once per chunk.
    block_size = AGGREGATE_BLOCK if account_ids is None and not backfill_days else size
    # A full run on PostgreSQL writes chunk i (own connection, own transaction) while chunk
    # i + 1 is computed: the database and Python work on the two cores at once.
    overlap = (block_size != size and connection.vendor == "postgresql" and not connection.in_atomic_block
               and len(ids) > size)
    pool = ThreadPoolExecutor(max_workers=1) if overlap else None
    pending: list[Future] = []

    def collect(part: RecomputeResult) -> None:
        result.account_ids += part.account_ids
        result.changes += part.changes
        result.scores.update(part.scores)

    try:
        for block in _chunks(ids, block_size):
            aggregates = None
            if block_size != size:
                aggregates = selectors.signal_aggregates(
                    signals=selectors.signals_of(list(specs.values())), now=now, account_ids=block, by_range=True
                )
            for chunk in _chunks(block, size):
                if backfill_days > 0:
                    collect(backfill_chunk(chunk, specs, routing, now, backfill_days))
                elif pool is not None:
                    planned = _recompute_chunk(chunk, specs, routing, now, aggregates)
                    if pending:
                        collect(pending.pop().result())
                    pending.append(pool.submit(planned.write, now))
                else:
                    collect(_recompute_chunk(chunk, specs, routing, now, aggregates).write(now))
                done += len(chunk)
                if progress:
                    progress(done, len(ids))
        for future in pending:
            collect(future.result())
    finally:
        if pool is not None:
            pool.submit(lambda: connection.close()).result()  # closes the writer thread's own connection
            pool.shutdown()
    return result

