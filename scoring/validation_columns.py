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
from datetime import date, timedelta

import numpy as np
from django.db import connection
from django.db.models import Q

from scoring.backtest_columns import CAP, NO_OVERRIDE, PENALTY, SubScores
from scoring.snapshot_pack import signal_keys

ENTRY_DTYPE = np.dtype([("id", "<u2"), ("sub", "<f4"), ("contribution", "<f4")])  # snapshot_pack.ENTRY
WINDOW_CHUNK = 200  # (account, dates) windows per query: SQLite parses a long OR chain as a deep tree


def empty_subscores() -> SubScores:
    return SubScores(keys=[], account=np.zeros(0, np.int64), day=np.zeros(0, np.int64), sub=np.zeros((0, 0)),
                     override_effect=np.zeros(0, np.int8), override_value=np.zeros(0),
                     order=np.zeros((0, 0), np.int64))


def subscores_read(qs, filters: list[Q] | None = None) -> SubScores:
    """The snapshots of ``qs`` as columns, sorted by account and day; ``filters``: read
    ``qs.filter(f)`` for each (chunks of ``windows_filter``) instead of all of ``qs``."""
    parts = [qs] if filters is None else [qs.filter(f) for f in filters]
    rows = [row for part in parts for row in _fetch(part.values_list("account_id", "date", "packed"))]
    if filters is not None:  # chunks of accounts may share one account: one order over all of them
        rows.sort(key=lambda r: (r[0], _ordinal(r[1])))
    if not rows:
        return empty_subscores()
    n = len(rows)
    account = np.fromiter((r[0] for r in rows), np.int64, n)
    day = np.fromiter((_ordinal(r[1]) for r in rows), np.int64, n)
    packed = [bytes(r[2]) if r[2] is not None else b"" for r in rows]
    json_rows = {
        (a, _ordinal(d)): (comp, active)
        for part in parts
        for a, d, comp, active in part.filter(Q(override_active=True) | Q(packed__isnull=True))
        .values_list("account_id", "date", "components", "override_active")
    }
    del rows

    names = signal_keys()
    lengths = np.fromiter((len(p) // ENTRY_DTYPE.itemsize for p in packed), np.int64, n)
    entries = np.frombuffer(b"".join(packed), dtype=ENTRY_DTYPE)
    # Columns in order of first appearance; each entry's row and position inside its row.
    ids, first = np.unique(entries["id"], return_index=True)
    ids = ids[np.argsort(first)]
    keys = [names.get(int(pk), f"signal-{pk}") for pk in ids.tolist()]
    column_of = np.zeros(int(ids.max()) + 1 if len(ids) else 1, np.int64)
    column_of[ids] = np.arange(len(ids))
    entry_row = np.repeat(np.arange(n), lengths)
    entry_pos = np.arange(len(entries)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    entry_col = column_of[entries["id"]]
    # component_series rounds each float32 sub-score with round(x, 2): done once per distinct value.
    values, inverse = np.unique(entries["sub"], return_inverse=True)
    rounded = np.array([round(v, 2) for v in values.astype(np.float64).tolist()])[inverse.reshape(-1)]

    width = int(lengths.max()) if n else 0
    legacy: dict[int, list[tuple[str, float | None]]] = {}
    effect, value = np.full(n, NO_OVERRIDE, np.int8), np.zeros(n)
    if json_rows:
        index = {(a, d): i for i, (a, d) in enumerate(zip(account.tolist(), day.tolist(), strict=True))}
        for at, (components, override_active) in json_rows.items():
            i = index.get(at)
            if i is None:
                continue
            components = components or {}
            override = components.get("override") if override_active else None
            if override and override.get("effect") in ("cap", "penalty"):
                effect[i], value[i] = (CAP if override["effect"] == "cap" else PENALTY), float(override["value"])
            if not packed[i]:  # a snapshot from before the compact format: its signals are in the JSON
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


def windows_filter(windows: Iterable[tuple[int, date, date]]) -> list[Q]:
    """Q objects (one per chunk) selecting the snapshots of each (account, first day, last day)."""
    merged: dict[int, list[tuple[date, date]]] = {}
    for account_id, lo, hi in sorted(windows):
        spans = merged.setdefault(account_id, [])
        if spans and lo <= spans[-1][1] + timedelta(days=1):
            spans[-1] = (spans[-1][0], max(hi, spans[-1][1]))
        else:
            spans.append((lo, hi))
    terms = [Q(account_id=a, date__gte=lo, date__lte=hi) for a, spans in merged.items() for lo, hi in spans]
    chunks = []
    for i in range(0, len(terms), WINDOW_CHUNK):
        q = Q()
        for term in terms[i : i + WINDOW_CHUNK]:
            q |= term
        chunks.append(q)
    return chunks


def _fetch(values_qs) -> list[tuple]:
    sql, params = values_qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _ordinal(value) -> int:
    """A date as read by the DB-API (a date, or ISO text on SQLite) → its ordinal."""
    return value.toordinal() if isinstance(value, date) else date.fromisoformat(value[:10]).toordinal()
