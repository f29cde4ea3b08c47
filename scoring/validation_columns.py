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
WINDOW_CHUNK = 5000  # windows per query: 3 parameters each (SQLite takes 32,766, PostgreSQL 65,535)


def empty_subscores() -> SubScores:
    return SubScores(keys=[], account=np.zeros(0, np.int64), day=np.zeros(0, np.int64), sub=np.zeros((0, 0)),
                     override_effect=np.zeros(0, np.int8), override_value=np.zeros(0),
                     order=np.zeros((0, 0), np.int64))


def subscores_read(qs, filters: list | None = None) -> SubScores:
    """The snapshots of ``qs`` as columns, sorted by account and day; ``filters``: read
    ``qs.filter(f)`` for each (chunks of ``windows_filter``) instead of all of ``qs``."""
    parts = [qs] if filters is None else [qs.filter(f) for f in filters]
    fields = ("id", "account_id", "date", "packed", "override_active")
    rows = [row for part in parts for row in _fetch(part.values_list(*fields))]
    if filters is not None:  # two chunks may hold one row, or one account: one order over all of them
        rows = sorted({(r[1], _ordinal(r[2])): r for r in rows}.items())
        rows = [r for _, r in rows]
    if not rows:
        return empty_subscores()
    n = len(rows)
    pks, accounts, dates, blobs, overrides = zip(*rows, strict=True)
    del rows
    account = np.array(accounts, dtype=np.int64)
    ordinals = {d: _ordinal(d) for d in set(dates)}  # a few hundred distinct days
    day = np.fromiter(map(ordinals.__getitem__, dates), np.int64, n)
    from_json = np.array([b is None for b in blobs], dtype=bool)
    packed = [b"" if b is None else bytes(b) for b in blobs] if from_json.any() else list(map(bytes, blobs))
    # The JSON of the few rows that need it: an override in force, or no packed signals.
    override_active = np.array(overrides, dtype=bool)
    need = {pks[i]: (i, bool(override_active[i]), bool(from_json[i]))
            for i in np.flatnonzero(override_active | from_json).tolist()}
    json_rows: dict[int, dict] = {}
    if len(need) <= JSON_BY_ID:
        ids = list(need)
        for k in range(0, len(ids), 5000):
            json_rows.update(ScoreSnapshot.objects.filter(pk__in=ids[k : k + 5000]).values_list("id", "components"))
    else:  # an older, all-JSON history
        for part in parts:
            json_rows.update(part.filter(Q(override_active=True) | Q(packed__isnull=True)).values_list("id", "components"))

    names = signal_keys()
    lengths = np.fromiter((len(p) // ENTRY_DTYPE.itemsize for p in packed), np.int64, n)
    entries = np.frombuffer(b"".join(packed), dtype=ENTRY_DTYPE)
    # One column per signal id (by id: each row's own order is kept in ``order``); each entry's
    # row and position inside its row.
    counts = np.bincount(entries["id"], minlength=1)
    ids = np.flatnonzero(counts)
    keys = [names.get(int(pk), f"signal-{pk}") for pk in ids.tolist()]
    column_of = np.zeros(len(counts), np.int64)
    column_of[ids] = np.arange(len(ids))
    entry_row = np.repeat(np.arange(n), lengths)
    entry_pos = np.arange(len(entries)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    entry_col = column_of[entries["id"]]
    # component_series rounds each float32 sub-score with round(x, 2); round2 is that rounding.
    rounded = round2(entries["sub"].astype(np.float64))

    width = int(lengths.max()) if n else 0
    legacy: dict[int, list[tuple[str, float | None]]] = {}
    effect, value = np.full(n, NO_OVERRIDE, np.int8), np.zeros(n)
    for pk, (i, override_active, from_json) in need.items():
        components = json_rows.get(pk) or {}
        override = components.get("override") if override_active else None
        if override and override.get("effect") in ("cap", "penalty"):
            effect[i], value[i] = (CAP if override["effect"] == "cap" else PENALTY), float(override["value"])
        if from_json:  # a snapshot from before the compact format: its signals are in the JSON
            legacy[i] = [(s["key"], s.get("sub_score")) for s in components.get("signals") or () if "key" in s]
    for signals in legacy.values():
        width = max(width, len(signals))
        keys += [k for k, _ in signals if k not in keys]
    col = {k: j for j, k in enumerate(keys)}
    sub = np.full((n, len(keys)), np.nan)
    sub[entry_row, entry_col] = rounded
    order = np.full((n, width), -1, np.int64)
    order[entry_row, entry_pos] = entry_col
    for i, signals in legacy.items():
        for p, (k, v) in enumerate(signals):
            order[i, p] = col[k]
            sub[i, col[k]] = np.nan if v is None else float(v)
    return SubScores(keys=keys, account=account, day=day, sub=sub, override_effect=effect, override_value=value,
                     order=order)


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
    for i in range(0, len(merged), WINDOW_CHUNK):
        part = merged[i : i + WINDOW_CHUNK]
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
