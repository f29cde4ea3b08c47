"""Recompute scores: set-based reads per chunk, the pure engine, bulk upserts.

Per chunk of accounts (settings.RECOMPUTE_CHUNK_SIZE) a fixed number of queries:
the observation aggregates (scoring.observation_reads: one GROUP BY for windowed
signals, index probes for "latest" ones), a few for stored state, one upsert per
table (scoring.writes). A run over every account (or an id range: one task of the
daily schedule) aggregates once per AGGREGATE_BLOCK accounts; on PostgreSQL it is
a pipeline over three connections — reads ahead, compute here, writes behind — so
the database and Python keep both cores busy.
Backfill (scoring.backfill) rebuilds daily history from raw observations, always through the guard of
scoring.history.history_rebuild (stored history is replaced only when asked, audited).
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from accounts.models import Account
from scoring import selectors
from scoring.backfill import backfill_chunk
from scoring.engine import AccountResult, ModelSpec, SignalSpec, compute_account
from scoring.errors import Failure, failure_of, scoring_errors_record
from scoring.models import ScoreChange, ScoreModelVersion
from scoring.writes import (  # RecomputeResult is re-exported: callers import it from here
    Planned,
    RecomputeResult,
    _cause,
    change_extend,
    change_for,
    qualifies,
    unchanged,
)

__all__ = ["RecomputeResult", "scores_preview", "scores_recompute"]

Progress = Callable[[int, int], None]
# Backfill reads raw observations into memory: keep its chunks small.
BACKFILL_CHUNK_SIZE = 250
# A full recompute aggregates the observations of this many accounts per query (on
# PostgreSQL the next block's while this one is computed). Smaller blocks measured slower:
# each range query costs more than its share of one pass.
AGGREGATE_BLOCK = 20000
# Pipelined full run: reader-thread steps (block aggregations, chunk loads) kept in flight.
READ_AHEAD = 2


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


@dataclass
class _Loaded:
    """Everything a chunk's compute reads from the database."""

    ids: list[int]
    versions: dict[int, int]
    aggregates: dict
    current: dict[int, dict]
    hist: dict
    overrides: dict
    redo: set[int]
    earlier: dict[int, dict]
    existing: dict
    last: dict[int, dict]  # each account's latest change-log entry before today


def _load_chunk(chunk: Sequence[int], specs: dict[int, ModelSpec], routing: dict, now: dt.datetime,
                aggregates: dict | None = None, more_signals: Sequence[SignalSpec] = ()) -> _Loaded:
    """The chunk's reads. ``aggregates``: the block's, already read (plus ``more_signals`` read here)."""
    today = timezone.localdate(now)
    versions = selectors.account_versions(chunk, routing)
    ids = list(versions)
    if aggregates is None:
        used = [specs[v] for v in set(versions.values())]
        aggregates = selectors.signal_aggregates(signals=selectors.signals_of(used), now=now, account_ids=ids)
    elif more_signals and ids:
        extra = selectors.signal_aggregates(signals=more_signals, now=now, account_ids=ids, by_range=True)
        for aid, by_signal in extra.items():
            if aid in versions:
                aggregates.setdefault(aid, {}).update(by_signal)
    current = selectors.current_scores(ids, components=False)
    hist = selectors.histories(ids, today, {specs[v].rapid_decline_days for v in versions.values()})
    overrides = selectors.overrides_for(ids, now)
    # Baseline of the change log: the state before today (AccountScore unless already computed today).
    redo = {aid for aid, row in current.items() if timezone.localdate(row["computed_at"]) >= today}
    keys = {sig.id: sig.key for spec in specs.values() for sig in spec.signals}
    earlier = selectors.earlier_snapshots(sorted(redo), today, keys) if redo else {}
    existing = selectors.changes_on(ids, today, today)
    last = selectors.last_entries(ids, today)
    return _Loaded(ids=ids, versions=versions, aggregates=aggregates, current=current, hist=hist,
                   overrides=overrides, redo=redo, earlier=earlier, existing=existing, last=last)


def _day_entry(existing: dict, aid: int, today: dt.date, change: ScoreChange) -> None:
    """Fold ``change`` into the account's entry of the day when one exists (ScoreChange.FOLDED_CAUSES):
    a flag set after today's tier change rewrites that entry (same row, same tasks and alerts)
    instead of logging the same move a second time under another cause."""
    if change.cause not in ScoreChange.FOLDED_CAUSES or (aid, today, change.cause) in existing:
        return
    for cause in ScoreChange.FOLDED_CAUSES:
        if (aid, today, cause) in existing:
            change.cause = cause
            return


def _plan_chunk(data: _Loaded, specs: dict[int, ModelSpec], now: dt.datetime, cause: str | None = None) -> Planned:
    """Compute the chunk's scores and change-log rows (one more read: stored components where needed).

    ``cause``: what moved the scores when the caller knows (a signal definition edit)."""
    today = timezone.localdate(now)
    results: dict[int, AccountResult] = {}
    changes = []
    baselines: dict[int, dict | None] = {}
    logged: list[int] = []
    redo, earlier, existing = data.redo, data.earlier, data.existing
    failures: list[Failure] = []
    for aid in data.ids:
        spec = specs[data.versions[aid]]
        row = data.current.get(aid)
        try:
            r = compute_account(
                model=spec, aggregates=data.aggregates.get(aid, {}), now=now, today=today,
                prior=selectors.prior_state(row), history=data.hist[aid][spec.rapid_decline_days],
                overrides=data.overrides.get(aid, ()),
            )
        except Exception as exc:  # one account's data must not stop the chunk: skip, log, list it
            failures.append(failure_of(aid, spec.version_id, exc))
            continue
        results[aid] = r
        if row is not None and row["tier"] and (aid in data.last or _entries_today(existing, aid, today)):
            logged.append(aid)  # the change log's own baseline (below)
        elif aid not in redo:
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
        change = change_for(aid, today, baseline, results[aid], cause)
        if change is not None:
            _day_entry(existing, aid, today, change)
        if change is not None and not unchanged(existing.get((aid, today, change.cause)), change):
            changes.append(change)
    changes += _logged_changes(data, logged, results, today, cause)
    scoring_errors_record(failures=failures, now=now)
    return Planned(results=results, date=today, changes=changes)


def _entries_today(existing: dict, aid: int, today: dt.date) -> dict[str, dict]:
    return {c: e for c in ScoreChange.Cause.values if (e := existing.get((aid, today, c))) is not None}


def _logged_changes(data: _Loaded, ids: list[int], results: dict[int, AccountResult], today: dt.date,
                    given: str | None) -> list[ScoreChange]:
    """Change-log rows of accounts that have a change log: its baseline is the account's last entry, not
    yesterday's score, so a slow slide gets a row once it adds up to SCORE_CHANGE_MIN_POINTS (or
    crosses a tier), and the day keeps one row per account and cause however often it is recomputed
    (the day's row keeps its start and takes the later moves' deltas). A new model version's row holds
    only what the version moved (from the score just before it); the day's data moves keep theirs."""
    existing = data.existing
    # What moved the score in this step (versus the stored score) decides the row's cause; the stored
    # components (the override in force, the signals' contributions) are read only where a row may follow.
    todays = {aid: _entries_today(existing, aid, today) for aid in ids}
    maybe = [aid for aid in ids if todays[aid] or results[aid].model_version_id != data.current[aid]["model_version_id"]
             or _qualifies_entry(data.last.get(aid), results[aid])]
    stored = selectors.score_components(maybe) if maybe else {}
    keys = {pk: key for r in results.values() for key, pk in r.signal_ids.items()}  # compact snapshots
    from_days = selectors.snapshot_components(
        ((aid, data.last[aid]["date"]) for aid in maybe if aid in data.last), keys)
    out = []
    for aid in maybe:
        r = results[aid]
        now_row = {**data.current[aid], "components": stored.get(aid) or {}}
        step = _cause(now_row, r, given)
        cause = step
        if step in ScoreChange.FOLDED_CAUSES and step not in todays[aid]:
            cause = next((c for c in ScoreChange.FOLDED_CAUSES if c in todays[aid]), step)
        latest = _latest(todays[aid])
        if cause in todays[aid] and latest is not todays[aid][cause] and not _qualifies_entry(latest, r):
            change = None  # a later row of another cause today (a new version) already says where it stands
        elif cause in todays[aid]:
            change = change_extend(aid, todays[aid][cause], now_row, r)
        else:
            if step == ScoreChange.Cause.MODEL_VERSION:
                baseline = now_row  # what the new version moved, not the day's data
            elif latest is not None:
                baseline = {"score": latest["to_score"], "tier": latest["to_tier"], "components": now_row["components"],
                            "model_version_id": latest["model_version_id"]}
            else:
                last = data.last[aid]
                baseline = {"score": last["to_score"], "tier": last["to_tier"],
                            "components": from_days.get((aid, last["date"]), now_row["components"]),
                            "model_version_id": last["model_version_id"]}
            change = change_for(aid, today, baseline, r)
            if change is not None:
                change.cause = cause
        if change is not None and not unchanged(existing.get((aid, today, change.cause)), change):
            out.append(change)
    return out


def _latest(entries: dict[str, dict]) -> dict | None:
    return max(entries.values(), key=lambda e: e["id"]) if entries else None


def _qualifies_entry(last: dict | None, result: AccountResult) -> bool:
    return last is not None and qualifies({"score": last["to_score"], "tier": last["to_tier"]}, result)


def _recompute_chunk(chunk: Sequence[int], specs: dict[int, ModelSpec], routing: dict, now: dt.datetime,
                     aggregates: dict | None = None, cause: str | None = None) -> Planned:
    return _plan_chunk(_load_chunk(chunk, specs, routing, now, aggregates), specs, now, cause)


def _collect(result: RecomputeResult, part: RecomputeResult) -> None:
    result.account_ids += part.account_ids
    result.changes += part.changes
    result.scores.update(part.scores)
    result.outbox_ids += part.outbox_ids


def _run_pipelined(ids: list[int], specs: dict[int, ModelSpec], routing: dict, now: dt.datetime, size: int,
                   progress: Progress | None, result: RecomputeResult, effects: bool = True) -> None:
    """A full run on PostgreSQL over three connections, so the database and Python keep both
    cores busy: the reader thread aggregates each block (one GROUP BY of the windowed signals)
    and loads each chunk (its reads and the index probes of the "latest" signals) ahead of the
    compute here, while the writer thread writes the previous chunk."""
    signals = selectors.signals_of(list(specs.values()))
    block_signals = [s for s in signals if s.aggregation != "latest"]
    chunk_signals = [s for s in signals if s.aggregation == "latest"]
    block_aggregates: dict[int, dict] = {}

    def aggregate(number: int, block: list[int]) -> None:
        block_aggregates[number] = selectors.signal_aggregates(
            signals=block_signals, now=now, account_ids=block, by_range=True)

    def load(number: int, chunk: list[int], last: bool) -> _Loaded:
        aggregates = block_aggregates.pop(number) if last else block_aggregates[number]
        return _load_chunk(chunk, specs, routing, now, aggregates, chunk_signals)

    steps: list[Callable[[], _Loaded | None]] = []
    for number, block in enumerate(_chunks(ids, AGGREGATE_BLOCK)):
        steps.append(partial(aggregate, number, block))
        chunks = list(_chunks(block, size))
        steps += [partial(load, number, chunk, k == len(chunks) - 1) for k, chunk in enumerate(chunks)]
    reader, writer = ThreadPoolExecutor(max_workers=1), ThreadPoolExecutor(max_workers=1)
    ahead: deque[Future] = deque()
    writing: Future | None = None
    done = 0
    try:
        for step in steps[:READ_AHEAD]:
            ahead.append(reader.submit(step))
        for k in range(len(steps)):
            loaded = ahead.popleft().result()
            if k + READ_AHEAD < len(steps):
                ahead.append(reader.submit(steps[k + READ_AHEAD]))
            if loaded is None:
                continue
            planned = _plan_chunk(loaded, specs, now)
            planned.effects = effects
            if writing is not None:
                _collect(result, writing.result())
            writing = writer.submit(planned.write, now)
            done += len(loaded.ids)
            if progress:
                progress(done, len(ids))
        if writing is not None:
            _collect(result, writing.result())
    finally:
        for future in ahead:
            future.cancel()
        for pool in (reader, writer):
            pool.submit(lambda: connection.close()).result()  # the thread's own connection
            pool.shutdown()


def scores_recompute(
    *, account_ids: list[int] | None = None, now: dt.datetime, backfill_days: int = 0,
    progress: Progress | None = None, account_range: tuple[int, int] | None = None,
    first_day: dt.date | None = None, last_day: dt.date | None = None,
    cause: str | None = None, effects: bool = True, replace: bool = False, actor=None,
) -> RecomputeResult:
    """Recompute the given accounts (None: every active account) as of ``now``.

    This is the one path of every score write (ingest, overrides, publishing, signal edits, the
    daily run, the CLI): each chunk's write stores the scores, snapshots and change log together
    with a ``ScoreOutbox`` row of what still has to be acted on (``result.outbox_ids``); the caller
    then runs ``scoring.effects.effects_drain``, and whatever a crash leaves undone is drained later
    by the next caller or the watchdog. ``effects=False`` (historical rebuilds only): no record.

    cause: the change log's cause for moves the data did not make (``ScoreChange.Cause``: an edit of
    a signal definition); a new model version or override still names itself.

    account_range=(first, end): the active accounts with first ≤ id < end (a chunk of the
    daily run), read like a full run: one aggregation over the id range, no IN list.

    backfill_days=N rebuilds the last N days of history (day D scored as of now − (today − D);
    its ``changes`` and outbox are only those dated today, so triggers never act on the past);
    ``first_day``/``last_day`` rebuild that date range instead (no effects at all). Either way it goes
    through ``scoring.history.history_rebuild``, the one guarded path of every rebuild: where the range
    already holds snapshots it raises ``HistoryExists`` unless ``replace=True``, and a replacement is
    audited (``actor``) and marked in the change log.
    """
    ranged = first_day is not None and last_day is not None
    if backfill_days > 0 or ranged:
        if account_range is not None:
            raise ValueError("account_range is for recomputes, not for rebuilds of history")
        from scoring.history import history_rebuild  # it builds on this module (_history_recompute)

        return history_rebuild(
            days=0 if ranged else backfill_days, first_day=first_day if ranged else None,
            last_day=last_day if ranged else None, now=now, account_ids=account_ids, replace=replace,
            actor=actor, progress=progress, effects=effects,
        ).result
    if account_ids is None:
        active = Account.objects.filter(status=Account.Status.ACTIVE)
        if account_range is not None:
            active = active.filter(pk__gte=account_range[0], pk__lt=account_range[1])
        ids = list(active.order_by("pk").values_list("pk", flat=True))
    else:  # a churned account is not scored after its end (its history stays)
        ids = sorted(set(account_ids) - set(
            Account.objects.filter(pk__in=list(account_ids), status=Account.Status.CHURNED).values_list("pk", flat=True)))
    specs, routing = selectors.published_models()
    result = RecomputeResult()
    if not ids or not specs:
        return result
    size = settings.RECOMPUTE_CHUNK_SIZE
    full = account_ids is None
    # A full run on PostgreSQL (outside a transaction): a pipeline over three connections.
    pipelined = (full and connection.vendor == "postgresql" and not connection.in_atomic_block
                 and len(ids) > size)
    # Every account: one aggregation pass per AGGREGATE_BLOCK accounts (by id range, no IN
    # list); a list of accounts: one per chunk.
    block_size = AGGREGATE_BLOCK if full else size
    if pipelined:
        _run_pipelined(ids, specs, routing, now, size, progress, result, effects)
        return result
    signals = selectors.signals_of(list(specs.values()))
    done = 0
    for block in _chunks(ids, block_size):
        aggregates = None
        if full:
            aggregates = selectors.signal_aggregates(signals=signals, now=now, account_ids=block, by_range=True)
        for chunk in _chunks(block, size):
            planned = _recompute_chunk(chunk, specs, routing, now, aggregates, cause)
            planned.effects = effects
            _collect(result, planned.write(now))
            done += len(chunk)
            if progress:
                progress(done, len(ids))
    return result


def history_accounts(first_day: dt.date):
    """The accounts a rebuild of every account covers: the active ones and those that churned during the range
    (a paused account keeps its history as it is)."""
    return Account.objects.filter(
        Q(status=Account.Status.ACTIVE) | Q(status=Account.Status.CHURNED, churned_on__gte=first_day))


def _history_recompute(
    *, account_ids: list[int] | None, now: dt.datetime, first_day: dt.date, last_day: dt.date, days: int = 0,
    progress: Progress | None = None, effects: bool = True, jobs: int = 1,
) -> RecomputeResult:
    """Rebuild ``first_day``..``last_day`` (``days``: the last N days, scored the legacy way), unguarded:
    only ``scoring.history.history_rebuild`` calls this, after its check for stored history.

    None: every account of ``history_accounts``; a list: those accounts. ``jobs`` > 1 (PostgreSQL, outside a
    transaction): the chunks are computed by that many forked processes, each on its own connection — each
    account's days run forward in one chunk, so chunks are independent."""
    if account_ids is None:
        ids = list(history_accounts(first_day).order_by("pk").values_list("pk", flat=True))
    else:
        ids = sorted(set(account_ids))
    specs, routing = selectors.published_models()
    result = RecomputeResult()
    if not ids or not specs:
        return result
    size = min(settings.RECOMPUTE_CHUNK_SIZE, BACKFILL_CHUNK_SIZE)
    chunks = list(_chunks(ids, size))
    _HISTORY_JOB.update(specs=specs, routing=routing, now=now, days=days, first_day=first_day, last_day=last_day,
                        effects=effects)
    done = 0
    if jobs > 1 and len(chunks) > 1 and connection.vendor == "postgresql" and not connection.in_atomic_block:
        parts = _history_chunks_forked(chunks, jobs)
    else:
        parts = map(_history_chunk, chunks)
    for chunk_size, part in parts:
        _collect(result, part)
        done += chunk_size
        if progress:
            progress(done, len(ids))
    return result


_HISTORY_JOB: dict = {}  # what every chunk of the rebuild shares (forked processes inherit it)


def _history_chunk(chunk: list[int]) -> tuple[int, RecomputeResult]:
    job = _HISTORY_JOB
    if job["days"]:
        part = backfill_chunk(chunk, job["specs"], job["routing"], job["now"], job["days"], effects=job["effects"])
    else:
        part = backfill_chunk(chunk, job["specs"], job["routing"], job["now"], first_day=job["first_day"],
                              last_day=job["last_day"], effects=job["effects"])
    return len(chunk), part


def _history_chunks_forked(chunks: list[list[int]], jobs: int):
    """(chunk size, result) of each chunk, computed by ``jobs`` forked processes, as they finish."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from django.db import connections

    connections.close_all()  # a forked child must open its own connection, never share this one's socket
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        futures = [pool.submit(_history_chunk, chunk) for chunk in chunks]  # all workers start before any read here
        for future in as_completed(futures):
            yield future.result()
