"""Recompute scores: set-based reads per chunk, the pure engine, bulk upserts.

Per chunk of accounts (settings.RECOMPUTE_CHUNK_SIZE) a fixed number of
queries: one GROUP BY for the observations (decay-weighted window sums, counts,
newest value per account and signal — see selectors.signal_aggregates), a few
for stored state, and one upsert per table. A run over every account aggregates
once per AGGREGATE_BLOCK accounts (one sweep of the table) and, on PostgreSQL,
writes each chunk from a second thread while the next one is computed.
Backfill rebuilds daily history from raw observations with prefix sums.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import JSONField
from django.utils import timezone

from accounts.models import Account
from scoring import selectors
from scoring.engine import (
    AccountResult,
    History,
    ModelSpec,
    PriorState,
    SeriesAggregator,
    compute_account,
    describe_change,
)
from scoring.models import AccountScore, ScoreChange, ScoreModelVersion, ScoreSnapshot

Progress = Callable[[int, int], None]
# Backfill reads raw observations into memory: keep its chunks small.
BACKFILL_CHUNK_SIZE = 250
# A full recompute aggregates the observations of this many accounts per query.
AGGREGATE_BLOCK = 20000


@dataclass
class RecomputeResult:
    account_ids: list[int] = field(default_factory=list)
    changes: list[ScoreChange] = field(default_factory=list)
    scores: dict[int, AccountScore] = field(default_factory=dict)


def _chunks(ids: Sequence[int], size: int):
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def _signals_of(specs: Sequence[ModelSpec]):
    return list({s.id: s for spec in specs for s in spec.signals}.values())


def _route(account_ids: Sequence[int], routing: dict) -> dict[int, int]:
    segments = selectors.account_segments(account_ids)
    out = {}
    for aid in account_ids:
        vid = selectors.version_for(segments.get(aid), routing) if aid in segments else None
        if vid is not None:
            out[aid] = vid
    return out


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


# --- writes ------------------------------------------------------------------------


def _cause(baseline: dict, result: AccountResult) -> str:
    if baseline["model_version_id"] != result.model_version_id:
        return ScoreChange.Cause.MODEL_VERSION
    before = (baseline.get("components") or {}).get("override") or {}
    if before.get("id") != result.override_id:
        return ScoreChange.Cause.OVERRIDE
    return ScoreChange.Cause.DATA


def _qualifies(baseline: dict | None, result: AccountResult) -> bool:
    """A change-log entry: the effective tier changed or the score moved by SCORE_CHANGE_MIN_POINTS."""
    if baseline is None:
        return False
    moved = abs(result.score - baseline["score"]) >= settings.SCORE_CHANGE_MIN_POINTS
    return moved or baseline["tier"] != result.tier


def _change(aid: int, date: dt.date, baseline: dict | None, result: AccountResult) -> ScoreChange | None:
    """The change-log row for this result, or None when nothing moved enough."""
    if not _qualifies(baseline, result):
        return None
    deltas, summary = describe_change(
        before=baseline.get("components"), after=result.components, from_score=baseline["score"], to_score=result.score
    )
    return ScoreChange(
        account_id=aid, date=date, from_score=baseline["score"], to_score=result.score, from_tier=baseline["tier"],
        to_tier=result.tier, tier_changed=baseline["tier"] != result.tier, cause=_cause(baseline, result),
        model_version_id=result.model_version_id, signal_deltas=deltas, summary=summary[:500],
    )


def _baseline_of(result: AccountResult) -> dict:
    return {"score": result.score, "tier": result.tier, "model_version_id": result.model_version_id,
            "components": result.components}


_CHANGE_FIELDS = ["from_score", "to_score", "from_tier", "to_tier", "tier_changed", "model_version_id",
                  "signal_deltas", "summary"]


def _unchanged(row: dict | None, change: ScoreChange) -> bool:
    return row is not None and all(row[f] == getattr(change, f) for f in _CHANGE_FIELDS)


def _upsert(model, objs: list, unique: list[str], update: list[str], need_pk: bool = False) -> None:
    """Insert or update ``objs`` in one statement per table (per batch on SQLite).

    PostgreSQL: COPY into a session-local staging table, then ``INSERT … SELECT … ON
    CONFLICT DO UPDATE`` (no client-side quoting of tens of thousands of parameters).
    SQLite: ``executemany`` of ``INSERT … ON CONFLICT`` (``bulk_create`` where ids are needed).
    """
    if not objs:
        return
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and f.column == "id")]
    q = connection.ops.quote_name
    if connection.vendor != "postgresql":
        if need_pk:
            model.objects.bulk_create(objs, batch_size=2000, update_conflicts=True, unique_fields=unique,
                                      update_fields=update)
        else:
            _sqlite_upsert(model, fields, objs, unique, update)
        return
    cols = ", ".join(q(f.column) for f in fields)
    types = ", ".join(f"{q(f.column)} {f.db_type(connection).split('(')[0]}" for f in fields)
    conflict = ", ".join(q(model._meta.get_field(u).column) for u in unique)
    sets = ", ".join(f"{q(c)} = EXCLUDED.{q(c)}" for c in (model._meta.get_field(u).column for u in update))
    keys = [model._meta.get_field(u) for u in unique]
    returning = f" RETURNING id, {conflict}" if need_pk else ""
    json_fields = {f.attname for f in fields if isinstance(f, JSONField)}
    staging = q(f"hs_upsert_{model._meta.db_table}")
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {staging} ({types}); TRUNCATE {staging}")
        with cursor.cursor.copy(f"COPY {staging} ({cols}) FROM STDIN") as copy:
            for o in objs:
                copy.write_row([json.dumps(getattr(o, f.attname)) if f.attname in json_fields
                                else getattr(o, f.attname) for f in fields])
        cursor.execute(f"INSERT INTO {q(model._meta.db_table)} ({cols}) SELECT {cols} FROM {staging} "
                       f"ON CONFLICT ({conflict}) DO UPDATE SET {sets}{returning}")
        if returning:
            by_key = {tuple(str(getattr(o, k.attname)) for k in keys): o for o in objs}
            for pk, *key in cursor.fetchall():
                by_key[tuple(map(str, key))].pk = pk


def _sqlite_upsert(model, fields, objs: list, unique: list[str], update: list[str]) -> None:
    """``INSERT … ON CONFLICT DO UPDATE`` through one ``executemany`` (no per-value ORM preparation)."""
    q = connection.ops.quote_name
    adapt = connection.ops.adapt_datetimefield_value
    columns = [q(f.column) for f in fields]
    sets = ", ".join(f"{q(c)} = excluded.{q(c)}" for c in (model._meta.get_field(u).column for u in update))
    conflict = ", ".join(q(model._meta.get_field(u).column) for u in unique)
    sql = (f"INSERT INTO {q(model._meta.db_table)} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(fields))}) "
           f"ON CONFLICT ({conflict}) DO UPDATE SET {sets}")
    json_fields = {f.attname for f in fields if isinstance(f, JSONField)}

    def value(f, v):
        if f.attname in json_fields:
            return json.dumps(v)
        if isinstance(v, dt.datetime):
            return adapt(v)
        return v.isoformat() if isinstance(v, dt.date) else v

    with connection.cursor() as cursor:
        cursor.executemany(sql, [[value(f, getattr(o, f.attname)) for f in fields] for o in objs])


def _write(
    *, results: dict[int, AccountResult], snapshots: list[ScoreSnapshot], changes: list[ScoreChange], now: dt.datetime
) -> list[AccountScore]:
    scores = [
        AccountScore(
            account_id=aid, score=r.score, raw_tier=r.raw_tier, tier=r.tier, tier_since=r.tier_since,
            pending_tier=r.pending_tier, pending_since=r.pending_since, trend=r.trend, delta_7=r.delta_7,
            delta_30=r.delta_30, delta_90=r.delta_90, model_version_id=r.model_version_id, computed_at=now,
            components=r.components,
        )
        for aid, r in results.items()
    ]
    for change in changes:
        change.created_at = now
    with transaction.atomic():
        _upsert(AccountScore, scores, ["account"], ["score", "raw_tier", "tier", "tier_since", "pending_tier",
                "pending_since", "trend", "delta_7", "delta_30", "delta_90", "model_version", "computed_at",
                "components"])
        for i in range(0, len(snapshots), 5000):
            _upsert(ScoreSnapshot, snapshots[i : i + 5000], ["account", "date"],
                    ["score", "raw_tier", "tier", "model_version", "components", "override_active"])
        _upsert(ScoreChange, changes, ["account", "date", "cause"], [f.removesuffix("_id") for f in _CHANGE_FIELDS],
                need_pk=True)
    return scores


def _snapshot(aid: int, date: dt.date, r: AccountResult) -> ScoreSnapshot:
    return ScoreSnapshot(
        account_id=aid, date=date, score=r.score, raw_tier=r.raw_tier, tier=r.tier,
        model_version_id=r.model_version_id, components=r.components, override_active=r.override_id is not None,
    )


def _recompute_chunk(chunk: Sequence[int], specs: dict[int, ModelSpec], routing: dict, now: dt.datetime,
                     aggregates: dict | None = None) -> _Planned:
    today = timezone.localdate(now)
    versions = _route(chunk, routing)
    ids = list(versions)
    if aggregates is None:
        used = [specs[v] for v in set(versions.values())]
        aggregates = selectors.signal_aggregates(signals=_signals_of(used), now=now, account_ids=ids)
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
        snapshots.append(_snapshot(aid, today, r))
        baselines[aid] = earlier.get(aid) if aid in redo else row
    # Components of the stored scores only where an entry will be written (they are big).
    needed = [aid for aid, b in baselines.items() if aid not in redo and _qualifies(b, results[aid])]
    stored = selectors.score_components(needed) if needed else {}
    for aid, baseline in baselines.items():
        if aid in stored:
            baseline = {**baseline, "components": stored[aid]}
        change = _change(aid, today, baseline, results[aid])
        if change is not None and not _unchanged(existing.get((aid, today, change.cause)), change):
            changes.append(change)
    return _Planned(results=results, snapshots=snapshots, changes=changes)


@dataclass
class _Planned:
    """A computed chunk, ready to write."""

    results: dict[int, AccountResult]
    snapshots: list[ScoreSnapshot]
    changes: list[ScoreChange]

    def write(self, now: dt.datetime) -> RecomputeResult:
        scores = _write(results=self.results, snapshots=self.snapshots, changes=self.changes, now=now)
        return RecomputeResult(account_ids=list(self.results), changes=self.changes,
                               scores={s.account_id: s for s in scores})


def _backfill_chunk(chunk: Sequence[int], specs: dict[int, ModelSpec], routing: dict, now: dt.datetime,
                    days: int) -> RecomputeResult:
    """Rebuild ``days`` daily snapshots ending at ``now`` from raw observations (prefix sums, in memory)."""
    versions = _route(chunk, routing)
    ids = list(versions)
    signals = _signals_of([specs[v] for v in set(versions.values())])
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
            spec = specs[versions[aid]]
            mine = past[aid]
            recent = trail[aid][-spec.rapid_decline_days:]  # scores of the previous days, in order
            peak = max(recent) if recent else None
            history = History(past={d: mine[today - d * day] for d in (7, 30, 60, 90) if today - d * day in mine},
                              peak=peak)
            aggregates = {s.id: series[(aid, s.id)].at(as_of) for s in spec.signals if (aid, s.id) in series}
            r = compute_account(model=spec, aggregates=aggregates, now=as_of, today=today, prior=prior.get(aid),
                                history=history, overrides=overrides.get(aid, ()))
            mine[today] = r.score
            trail[aid].append(r.score)
            snapshots.append(_snapshot(aid, today, r))
            change = _change(aid, today, baseline.get(aid), r)
            if change is not None:
                changes.append(change)
            prior[aid] = PriorState(tier=r.tier, tier_since=r.tier_since, pending_tier=r.pending_tier,
                                    pending_since=r.pending_since)
            baseline[aid] = _baseline_of(r)
            results[aid] = r
    with transaction.atomic():
        # A rebuild: entries of the range that the new history does not repeat go.
        ScoreChange.objects.filter(account_id__in=ids, date__gte=first_day, date__lte=last_day).delete()
        scores = _write(results=results, snapshots=snapshots, changes=changes, now=now)
    return RecomputeResult(
        account_ids=ids, changes=[c for c in changes if c.date == last_day], scores={s.account_id: s for s in scores}
    )


def scores_recompute(
    *, account_ids: list[int] | None = None, now: dt.datetime, backfill_days: int = 0,
    progress: Progress | None = None,
) -> RecomputeResult:
    """Recompute the given accounts (None: every active account) as of ``now``.

    backfill_days=N rebuilds the last N days of history (one snapshot a day,
    hysteresis and change log running forward from no state, existing change-log
    entries of that range replaced). Its ``changes`` are only those dated today,
    so triggers never act on the past.
    """
    if account_ids is None:
        ids = list(Account.objects.filter(status=Account.Status.ACTIVE).order_by("pk").values_list("pk", flat=True))
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
                    signals=_signals_of(list(specs.values())), now=now, account_ids=block, by_range=True
                )
            for chunk in _chunks(block, size):
                if backfill_days > 0:
                    collect(_backfill_chunk(chunk, specs, routing, now, backfill_days))
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

