"""Writes of a recompute: change-log rows, snapshots, bulk upserts (one statement per table).

PostgreSQL: COPY into a session-local staging table, then one ``INSERT … SELECT … ON
CONFLICT DO UPDATE`` per table. SQLite: one ``executemany`` of ``INSERT … ON CONFLICT``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.db.models import JSONField
from django.utils import timezone

from scoring.changelog import deltas_merge, describe_change, summary_of
from scoring.engine import AccountNumbers, AccountResult
from scoring.models import AccountScore, ScoreChange, ScoreOutbox, ScoreSnapshot
from scoring.rollups import history_forget
from scoring.snapshot_pack import pack, pack_numbers, slim

# A day's result: in full, or its numbers alone (history days: scoring.backfill). The change log reads
# only what both have (score, tiers, version, override, per-signal contributions and labels).
Scored = AccountResult | AccountNumbers


@dataclass
class RecomputeResult:
    account_ids: list[int] = field(default_factory=list)
    changes: list[ScoreChange] = field(default_factory=list)
    scores: dict[int, AccountScore] = field(default_factory=dict)
    # The ScoreOutbox rows the writes recorded (what still has to be acted on: scoring.effects).
    outbox_ids: list[int] = field(default_factory=list)


# A load of this many rows refreshes the table's planner statistics at once (``statistics_refresh``).
ANALYZE_AFTER_ROWS = 50_000


def statistics_refresh(model, rows: int) -> bool:
    """After a bulk load of ``rows`` rows, refresh the table's planner statistics (PostgreSQL ``ANALYZE``).

    Autovacuum analyses a table only a while after a load (never where it is off), and until then the planner
    plans from the table as it was: after importing 2.5M observations into an empty table it read all of them
    for every 250-account chunk of the rebuild that follows (0.68 s a chunk instead of 0.10 s). True if run."""
    if rows < ANALYZE_AFTER_ROWS or connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return True


def change_cause(baseline: dict, result: Scored) -> str:
    if baseline["model_version_id"] != result.model_version_id:
        return ScoreChange.Cause.MODEL_VERSION
    before = (baseline.get("components") or {}).get("override") or {}
    if before.get("id") != result.override_id:
        return ScoreChange.Cause.OVERRIDE
    return ScoreChange.Cause.DATA


def _cause(baseline: dict, result: Scored, given: str | None) -> str:
    found = change_cause(baseline, result)
    return given if given and found == ScoreChange.Cause.DATA else found


def qualifies(baseline: dict | None, result: Scored) -> bool:
    """A change-log entry: the account's first score (no baseline), a change of the effective tier,
    or a move of at least SCORE_CHANGE_MIN_POINTS."""
    if baseline is None:
        return True
    moved = abs(result.score - baseline["score"]) >= settings.SCORE_CHANGE_MIN_POINTS
    return moved or baseline["tier"] != result.tier


def change_for(aid: int, date: dt.date, baseline: dict | None, result: Scored,
               cause: str | None = None) -> ScoreChange | None:
    """The change-log row for this result, or None when nothing moved enough.

    baseline None: the account's first score, logged as entering its tier (from_score null,
    from_tier "", tier_changed), so a new account that starts red opens the red playbook.
    ``cause``: what the caller knows moved the score (a signal definition edit), used where the
    stored state alone would blame the data.
    """
    if not result.tier:
        return None  # not enough data yet: nothing entered, nothing to log
    if baseline is not None and not baseline["tier"]:
        baseline = None  # the first score with enough data: logged as entering its tier
    if not qualifies(baseline, result):
        return None
    base = baseline or {"score": None, "tier": "", "model_version_id": result.model_version_id}
    deltas, summary = describe_change(
        before=base.get("components"), after=result.components, from_score=base["score"], to_score=result.score,
        from_tier=base["tier"], to_tier=result.tier, hold_days=result.hold_days, decline=result.decline,
        decline_days=result.decline_days,
    )
    return ScoreChange(
        account_id=aid, date=date, from_score=base["score"], to_score=result.score, from_tier=base["tier"],
        to_tier=result.tier, tier_changed=base["tier"] != result.tier, cause=_cause(base, result, cause if baseline else None),
        model_version_id=result.model_version_id, signal_deltas=deltas, summary=summary[:500],
    )


def change_extend(aid: int, entry: dict, stored: dict, result: AccountResult) -> ScoreChange:
    """The day's entry ``entry`` (a changes_on row) carried on to ``result``: it keeps its start (from
    score and tier) and adds the move since the stored score ``stored`` (with components) to its
    per-signal deltas, so an account has one entry per day and cause however often it is recomputed."""
    step, _ = describe_change(before=stored.get("components"), after=result.components,
                              from_score=stored["score"], to_score=result.score)
    deltas = deltas_merge(entry["signal_deltas"] or [], step)
    from_score, from_tier = entry["from_score"], entry["from_tier"]
    if from_score is None:  # the account's first score, rerun the same day
        _, summary = describe_change(before=None, after=result.components, from_score=None,
                                     to_score=result.score, to_tier=result.tier)
        deltas = []
    else:
        summary = summary_of(deltas, from_score=from_score, to_score=result.score, from_tier=from_tier,
                             to_tier=result.tier, hold_days=result.hold_days, decline=result.decline,
                             decline_days=result.decline_days)
    return ScoreChange(
        account_id=aid, date=entry["date"], from_score=from_score, to_score=result.score, from_tier=from_tier,
        to_tier=result.tier, tier_changed=from_tier != result.tier, cause=entry["cause"],
        model_version_id=result.model_version_id, signal_deltas=deltas, summary=summary[:500],
    )


def baseline_of(result: Scored) -> dict:
    return {"score": result.score, "tier": result.tier, "model_version_id": result.model_version_id,
            "components": result.components}


CHANGE_FIELDS = ["from_score", "to_score", "from_tier", "to_tier", "tier_changed", "model_version_id",
                  "signal_deltas", "summary"]


def unchanged(row: dict | None, change: ScoreChange) -> bool:
    return row is not None and all(row[f] == getattr(change, f) for f in CHANGE_FIELDS)


def upsert(model, objs: list, unique: list[str], update: list[str], need_pk: bool = False) -> None:
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


def scores_write(
    *, results: dict[int, AccountResult], changes: list[ScoreChange], now: dt.datetime,
    snapshots: Sequence[ScoreSnapshot | SnapshotRow] | None = None, snapshot_date: dt.date | None = None,
    computed_at: dict[int, dt.datetime] | None = None,
    effects: bool = True, effect_date: dt.date | None = None, outbox: list[int] | None = None,
) -> list[AccountScore]:
    """Upsert the AccountScore rows, the snapshots (given, or one per result on ``snapshot_date``)
    and the change-log rows, and record what still has to be acted on, in one transaction.

    The record is a ``ScoreOutbox`` row naming the accounts and their change-log rows dated
    ``effect_date`` (default: every change given); its id is appended to ``outbox``.
    ``effects=False`` (a historical rebuild) records nothing: no tasks, no alerts.
    """
    scores = [
        AccountScore(
            account_id=aid, score=r.score, raw_tier=r.raw_tier, tier=r.tier, tier_since=r.tier_since,
            pending_tier=r.pending_tier, pending_since=r.pending_since, trend=r.trend, delta_7=r.delta_7,
            delta_30=r.delta_30, delta_90=r.delta_90, model_version_id=r.model_version_id,
            computed_at=computed_at.get(aid, now) if computed_at else now,
            components=r.components,
        )
        for aid, r in results.items()
    ]
    for change in changes:
        change.created_at = now
    with transaction.atomic():
        upsert(AccountScore, scores, ["account"], ["score", "raw_tier", "tier", "tier_since", "pending_tier",
                "pending_since", "trend", "delta_7", "delta_30", "delta_90", "model_version", "computed_at",
                "components"])
        if snapshot_date is not None:  # compact rows: ~100 bytes each to COPY (scoring.snapshot_pack)
            snapshots = [snapshot_of(aid, snapshot_date, r) for aid, r in results.items()]
        for i in range(0, len(snapshots or ()), 5000):
            upsert(ScoreSnapshot, snapshots[i : i + 5000], ["account", "date"], SNAPSHOT_FIELDS)
        upsert(ScoreChange, changes, ["account", "date", "cause"], [f.removesuffix("_id") for f in CHANGE_FIELDS],
                need_pk=True)
        # History rewritten (a backfill or rebuild): what the rollups stored about those days goes.
        # Today by the clock, not by ``now``: a rebuild of a past range writes as of its last day's end, and
        # that day is past too (stored rollups only hold days before the real today).
        today = timezone.localdate()
        written = {s.date for s in snapshots or ()} | ({snapshot_date} if snapshot_date else set())
        if any(d < today for d in written):
            history_forget(dates={d for d in written if d < today})
        if effects and results:
            acted = [c.pk for c in changes if effect_date is None or c.date == effect_date]
            row = ScoreOutbox.objects.create(account_ids=sorted(results), change_ids=sorted(acted))
            if outbox is not None:
                outbox.append(row.pk)
    return scores


SNAPSHOT_FIELDS = ["score", "raw_tier", "tier", "model_version", "components", "packed", "override_active"]


class SnapshotRow(NamedTuple):
    """A ScoreSnapshot row as ``upsert`` writes it (its fields' attnames), without a model instance: a
    rebuild writes one per account and day."""

    account_id: int
    date: dt.date
    score: float
    raw_tier: str
    tier: str
    model_version_id: int
    components: dict
    packed: bytes | None
    override_active: bool


def snapshot_of(aid: int, date: dt.date, r: Scored) -> SnapshotRow:
    """The compact snapshot of a result (scoring.snapshot_pack); from the numbers alone, packed directly
    (their signal ids must be packable: scoring.backfill scores the days of other models in full)."""
    if isinstance(r, AccountNumbers):
        packed = pack_numbers([(sig.id, sub, contribution) for sig, sub, contribution in r.signals])
        components = {"override": r.override} if r.override else {}
    else:
        packed = pack(r.components, r.signal_ids)
        components = r.components if packed is None else slim(r.components)
    return SnapshotRow(aid, date, r.score, r.raw_tier, r.tier, r.model_version_id, components, packed,
                       r.override_id is not None)


@dataclass
class Planned:
    """A computed chunk, ready to write."""

    results: dict[int, AccountResult]
    date: dt.date  # of the snapshots (one per result)
    changes: list[ScoreChange]
    effects: bool = True  # record an outbox row (scores_write)

    def write(self, now: dt.datetime) -> RecomputeResult:
        outbox: list[int] = []
        scores = scores_write(results=self.results, snapshot_date=self.date, changes=self.changes, now=now,
                              effects=self.effects, outbox=outbox)
        return RecomputeResult(account_ids=list(self.results), changes=self.changes,
                               scores={s.account_id: s for s in scores}, outbox_ids=outbox)


