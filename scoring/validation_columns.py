"""A model's snapshot history read into columns (``scoring.backtest_columns.SubScores``).

The validation features re-score a year of every account's snapshots (2,000 accounts: ~700,000
rows). ``scoring.validation.component_series`` builds a dict per snapshot, which is the
readable reference; here the same rows are read once into NumPy arrays:

- the compact rows' packed signals (``scoring.snapshot_pack``) are decoded in one
  ``frombuffer`` over their concatenation, sub-scores rounded to 2 decimals exactly as
  ``component_series`` rounds them;
- the few rows that need their JSON — an override in force, or an older full-JSON snapshot —
  come from a second query;
- rows go through the DB-API cursor of the ORM's own query: Django's per-row machinery is most
  of the time of reading 700,000 rows, and these three columns need none of it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import numpy as np
from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

from scoring.backtest import DaySeries
from scoring.backtest_columns import CAP, NO_OVERRIDE, PENALTY, SubScores, round2
from scoring.models import ScoreSnapshot
from scoring.snapshot_pack import signal_keys

ENTRY_DTYPE = np.dtype([("id", "<u2"), ("sub", "<f4"), ("contribution", "<f4")])  # snapshot_pack.ENTRY
JSON_BY_ID = 20_000  # rows whose JSON is read by id; more: by the history's own filter
# Windows per query: 3 parameters each (SQLite takes 32,766, PostgreSQL 65,535); on PostgreSQL
# each query is one pass over the period's snapshots, so as few as it takes.
WINDOW_CHUNK = {"postgresql": 21_000}
WINDOW_CHUNK_DEFAULT = 5000


def empty_subscores() -> SubScores:
    return SubScores(keys=[], account=np.zeros(0, np.int64), day=np.zeros(0, np.int64), sub=np.zeros((0, 0)),
                     override_effect=np.zeros(0, np.int8), override_value=np.zeros(0),
                     order=np.zeros((0, 0), np.int64))


def subscores_read(qs, filters: list | None = None) -> SubScores:
    """The snapshots of ``qs`` as columns, sorted by account and day; ``filters``: read
    ``qs.filter(f)`` for each (chunks of ``windows_filter``) instead of all of ``qs``."""
    parts = [qs] if filters is None else [qs.filter(f) for f in filters]
    if filters is None and connection.vendor == "postgresql":
        account, day, lengths, blob, need = _read_aggregated(qs)
    else:
        account, day, lengths, blob, need = _read_rows(parts)
    n = len(account)
    if not n:
        return empty_subscores()
    # The JSON of the few rows that need it: an override in force, or no packed signals.
    fields = ("account_id", "date", "components", "override_active", "packed")
    if len(need) <= JSON_BY_ID:
        json_rows = [row for k in range(0, len(need), 5000)
                     for row in ScoreSnapshot.objects.filter(pk__in=need[k : k + 5000]).values_list(*fields)]
    else:  # an older, all-JSON history
        json_rows = [row for part in parts
                     for row in part.filter(Q(override_active=True) | Q(packed__isnull=True)).values_list(*fields)]
    keyed = (account << 24) | day  # (account, day) in one sortable int: ordinals stay below 2^24
    wanted = np.array([(a << 24) | _ordinal(d) for a, d, *_ in json_rows], dtype=np.int64)
    json_at = np.minimum(np.searchsorted(keyed, wanted), n - 1)
    json_at = np.where(keyed[json_at] == wanted, json_at, -1).tolist()  # −1: a row written since

    names = signal_keys()
    lengths //= ENTRY_DTYPE.itemsize
    entries = np.frombuffer(blob, dtype=ENTRY_DTYPE)
    # One column per signal id (by id: each row's own order is kept in ``order``); each entry's
    # row and position inside its row.
    counts = np.bincount(entries["id"], minlength=1)
    ids = np.flatnonzero(counts)
    keys = [names.get(int(pk), f"signal-{pk}") for pk in ids.tolist()]
    column_of = np.zeros(len(counts), np.int64)
    column_of[ids] = np.arange(len(ids))
    entry_row = np.repeat(np.arange(n, dtype=np.int32), lengths)  # int32: 3.4M rows × 8 signals is 27M entries
    entry_pos = (np.arange(len(entries)) - np.repeat(np.cumsum(lengths) - lengths, lengths)).astype(np.int32)
    entry_col = column_of[entries["id"]].astype(np.int32)
    # component_series rounds each float32 sub-score with round(x, 2); round2 is that rounding.
    rounded = round2(entries["sub"].astype(np.float64))

    width = int(lengths.max()) if n else 0
    legacy: dict[int, list[tuple[str, float | None]]] = {}
    effect, value = np.full(n, NO_OVERRIDE, np.int8), np.zeros(n)
    for i, (_, _, components, override_active, packed) in zip(json_at, json_rows, strict=True):
        if i < 0:
            continue
        components = components or {}
        override = components.get("override") if override_active else None
        if override and override.get("effect") in ("cap", "penalty"):
            effect[i], value[i] = (CAP if override["effect"] == "cap" else PENALTY), float(override["value"])
        if packed is None:  # a snapshot from before the compact format: its signals are in the JSON
            legacy[i] = [(s["key"], s.get("sub_score")) for s in components.get("signals") or () if "key" in s]
    for signals in legacy.values():
        width = max(width, len(signals))
        keys += [k for k, _ in signals if k not in keys]
    col = {k: j for j, k in enumerate(keys)}
    sub = np.full((n, len(keys)), np.nan)
    sub[entry_row, entry_col] = rounded
    order = np.full((n, width), -1, np.int32)
    order[entry_row, entry_pos] = entry_col
    for i, signals in legacy.items():
        for p, (k, v) in enumerate(signals):
            order[i, p] = col[k]
            sub[i, col[k]] = np.nan if v is None else float(v)
    return SubScores(keys=keys, account=account, day=day, sub=sub, override_effect=effect, override_value=value,
                     order=order)


def _read_rows(parts) -> tuple[np.ndarray, np.ndarray, np.ndarray, bytes, list[int]]:
    """(account, day, packed bytes per row, all packed signals, ids of the rows needing their JSON)."""
    rows = [row for part in parts for row in _fetch(part.values_list("id", "account_id", "date", "packed", "override_active"))]
    if len(parts) > 1:  # two chunks may hold one row, or one account: one order over all of them
        rows = [r for _, r in sorted({(r[1], _ordinal(r[2])): r for r in rows}.items())]
    if not rows:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64), b"", []
    pks, accounts, dates, blobs, overrides = zip(*rows, strict=True)
    del rows
    ordinals = {d: _ordinal(d) for d in set(dates)}  # a few hundred distinct days
    day = np.fromiter(map(ordinals.__getitem__, dates), np.int64, len(dates))
    packed = [b"" if b is None else bytes(b) for b in blobs]
    need = [pk for pk, b, o in zip(pks, blobs, overrides, strict=True) if o or b is None]
    return (np.array(accounts, dtype=np.int64), day, np.fromiter(map(len, packed), np.int64, len(packed)),
            b"".join(packed), need)


def _read_aggregated(qs) -> tuple[np.ndarray, np.ndarray, np.ndarray, bytes, list[int]]:
    """``_read_rows`` on PostgreSQL, one row per account: the days, the lengths and the packed
    signals concatenated by the database into byte strings (``int4send``: big-endian int32), so
    the rows' values never become Python objects one by one (3.4M rows: 4 s less)."""
    inner, params = qs.order_by().values_list("id", "account_id", "date", "packed", "override_active").query.sql_with_params()
    sql = (
        "SELECT string_agg(int8send(account_id::int8), ''::bytea ORDER BY date),"
        " string_agg(int4send(date - DATE '0001-01-01' + 1), ''::bytea ORDER BY date),"
        " string_agg(int4send(coalesce(length(packed), 0)), ''::bytea ORDER BY date),"
        " string_agg(coalesce(packed, ''::bytea), ''::bytea ORDER BY date),"
        " array_agg(id ORDER BY date) FILTER (WHERE override_active OR packed IS NULL)"
        f" FROM ({inner}) AS s GROUP BY account_id ORDER BY account_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64), b"", []

    def ints(k: int, dtype: str = ">i4") -> np.ndarray:
        return np.frombuffer(b"".join(bytes(r[k]) for r in rows), dtype=dtype).astype(np.int64)

    need = [pk for r in rows for pk in r[4] or ()]
    return ints(0, ">i8"), ints(1), ints(2), b"".join(bytes(r[3]) for r in rows), need


def recorded_read(qs) -> dict[int, DaySeries]:
    """The snapshots of ``qs`` (ordered by account and date) as each account's stored score and
    effective tier."""
    timelines: dict[int, DaySeries] = {}
    dates: dict = {}
    current = None
    for account_id, when, score, tier in _fetch(qs.values_list("account_id", "date", "score", "tier")):
        if account_id != current:
            current = account_id
            series = timelines[account_id] = DaySeries([], [], [])
        if (day := dates.get(when)) is None:
            day = dates[when] = date.fromordinal(_ordinal(when))
        series.dates.append(day)
        series.scores.append(score)
        series.tiers.append(tier)
    return timelines


def windows_filter(windows: Iterable[tuple[int, date, date]]) -> list[RawSQL]:
    """Conditions (one per chunk) selecting the snapshots of each (account, first day, last day).

    The windows go to the database as one ``VALUES`` list that the snapshots are semi-joined
    with (SQL both PostgreSQL and SQLite read, with parameters): thousands of OR'ed terms
    took PostgreSQL longer to plan than to answer, and the ORM longer to compile."""
    merged: list[tuple[int, date, date]] = []
    for account_id, lo, hi in sorted(set(windows)):
        if merged and merged[-1][0] == account_id and lo <= merged[-1][2]:
            merged[-1] = (account_id, merged[-1][1], max(hi, merged[-1][2]))
        else:
            merged.append((account_id, lo, hi))
    quote = connection.ops.quote_name
    table = quote(ScoreSnapshot._meta.db_table)
    chunks = []
    size = WINDOW_CHUNK.get(connection.vendor, WINDOW_CHUNK_DEFAULT)
    for i in range(0, len(merged), size):
        part = merged[i : i + size]
        sql = (f"EXISTS (SELECT 1 FROM (VALUES {', '.join(['(%s, %s, %s)'] * len(part))}) AS w "
               f"WHERE w.column1 = {table}.{quote('account_id')} "
               f"AND {table}.{quote('date')} BETWEEN w.column2 AND w.column3)")
        chunks.append(RawSQL(sql, [value for window in part for value in window], output_field=BooleanField()))
    return chunks


def _fetch(values_qs) -> list[tuple]:
    sql, params = values_qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _ordinal(value) -> int:
    """A date as read by the DB-API (a date, or ISO text on SQLite) → its ordinal."""
    return value.toordinal() if type(value) is date else date.fromisoformat(str(value)[:10]).toordinal()
