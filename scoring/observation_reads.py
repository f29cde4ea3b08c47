"""Reads of observations in SQL: per-signal aggregates for the bulk path, raw rows for backfill.

``signal_aggregates`` gives the engine the few numbers it needs per account and
signal, with the semantics of ``scoring.aggregation.aggregate_observations``:

- windowed signals (mean, sum, count, pct_change): ONE ``GROUP BY account, signal``
  over the rows inside each signal's horizon (decay-weighted window sums and counts,
  previous-window sums, newest time);
- "latest" signals: one index probe per account and signal (newest observation up to
  now, largest value on a tie) — only ``newest_at`` and ``latest`` are filled, which is
  all the engine reads for them; no row of theirs goes through the GROUP BY;
- pairs with nothing in the horizon: when the data stopped ("no data since …").
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from contextlib import nullcontext

from django.db import connection, transaction

from scoring.aggregation import MIN_DECAY_EXPONENT, VALUE_LIMIT, Obs, SignalAggregate
from scoring.engine import SignalSpec

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def _pg() -> bool:
    return connection.vendor == "postgresql"


def _ts() -> str:
    return "CAST(%s AS timestamptz)" if _pg() else "%s"


def _micros(column: str) -> str:
    """A timestamp column as sent back: integer microseconds on PostgreSQL (exact, ~50× cheaper
    to load than a timestamptz), as is on SQLite."""
    return f"CAST(EXTRACT(EPOCH FROM {column}) * 1000000 AS bigint)" if _pg() else column


class _Times:
    """Database timestamps → aware datetimes, each distinct value converted once."""

    def __init__(self) -> None:
        self.seen: dict = {}

    def __call__(self, value) -> dt.datetime | None:
        if value is None or isinstance(value, dt.datetime):
            return value
        out = self.seen.get(value)
        if out is None:
            if isinstance(value, int):
                out = _EPOCH + dt.timedelta(microseconds=value)
            else:
                out = dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)
            self.seen[value] = out
        return out


def _clamped(expr: str) -> str:
    """``expr`` within ±VALUE_LIMIT, as ``aggregation.clamp_value``: one absurd row can then
    neither overflow a SUM (PostgreSQL raises on float8 overflow) nor reach the engine as
    infinity. SQLite's two-argument MIN/MAX are its LEAST/GREATEST."""
    lo, hi = ("LEAST", "GREATEST") if _pg() else ("MIN", "MAX")
    return f"{lo}({hi}({expr}, {-VALUE_LIMIT!r}), {VALUE_LIMIT!r})"


def _accounts_where(column: str, account_ids: Sequence[int], by_range: bool) -> tuple[str, list]:
    if by_range:  # a block of all accounts in id order: a range, not a long IN list
        return f"{column} BETWEEN %s AND %s", [min(account_ids), max(account_ids)]
    return f"{column} IN ({', '.join(['%s'] * len(account_ids))})", list(account_ids)


def signal_aggregates(
    *, signals: Sequence[SignalSpec], now: dt.datetime, account_ids: Sequence[int], by_range: bool = False
) -> dict[int, dict[int, SignalAggregate]]:
    """account id → signal id → SignalAggregate: two queries (windowed, latest), plus one for
    "no data since …" where a windowed signal has nothing in its horizon."""
    out: dict[int, dict[int, SignalAggregate]] = defaultdict(dict)
    if not signals or not account_ids:
        return out
    windowed = [s for s in signals if s.aggregation != "latest"]
    latest = [s for s in signals if s.aggregation == "latest"]
    times = _Times()
    with transaction.atomic() if _pg() else nullcontext(), connection.cursor() as cursor:
        if _pg():
            # A big one-off aggregation: no JIT compile (seconds), hash it in memory.
            cursor.execute("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'")
        if windowed:
            _windowed(cursor, out, windowed, now, account_ids, by_range, times)
        if latest:
            _latest(cursor, out, latest, now, account_ids, by_range, times)
    _add_older(out, account_ids, windowed, now, times)
    return out


def _windowed(cursor, out, signals, now, account_ids, by_range, times) -> None:
    adapt = connection.ops.adapt_datetimefield_value
    ts = _ts()
    epoch = "date_part('epoch', o.observed_at)" if _pg() else "((julianday(o.observed_at) - 2440587.5) * 86400.0)"
    # Per-signal parameters in a VALUES list joined on the signal (hash join: a few rows).
    values, p_values = [], []
    for s in signals:
        values.append(f"(%s, {ts}, {ts}, {ts}, %s)")
        p_values += [s.id, adapt(now - s.window_days * DAY), adapt(now - 2 * s.window_days * DAY),
                     adapt(now - s.horizon_days * DAY), float(s.decay_rate)]
    # The horizons again, as a filter the table scan applies before the join.
    horizons: dict[int, list[int]] = defaultdict(list)
    for s in signals:
        horizons[s.horizon_days].append(s.id)
    scan, p_scan = [], []
    for days, ids in sorted(horizons.items()):
        scan.append(f"(o.signal_id IN ({', '.join(['%s'] * len(ids))}) AND o.observed_at > {ts})")
        p_scan += [*ids, adapt(now - days * DAY)]
    accounts, p_accounts = _accounts_where("o.account_id", account_ids, by_range)
    in_win = "o.observed_at > p.column2"
    in_prev = "o.observed_at > p.column3 AND o.observed_at <= p.column2"
    # The exponent is capped as in aggregation.decay_weight: PostgreSQL raises on underflow.
    hi = "GREATEST" if _pg() else "MAX"
    weight = (f"CASE WHEN p.column5 = 0 THEN 1.0 "
              f"ELSE EXP({hi}(({epoch} - %s) * p.column5, {MIN_DECAY_EXPONENT!r})) END")
    value = _clamped("o.value")
    sql = f"""
        SELECT o.account_id, o.signal_id, {_micros("MAX(o.observed_at)")},
            COUNT(*) FILTER (WHERE {in_win}),
            SUM({value} * {weight}) FILTER (WHERE {in_win}),
            SUM({weight}) FILTER (WHERE {in_win}),
            SUM({value}) FILTER (WHERE {in_win}),
            COUNT(*) FILTER (WHERE {in_prev}),
            SUM({value}) FILTER (WHERE {in_prev})
        FROM scoring_observation o JOIN (VALUES {", ".join(values)}) AS p ON p.column1 = o.signal_id
        WHERE o.observed_at > p.column4 AND o.observed_at <= {ts} AND ({" OR ".join(scan)}) AND {accounts}
        GROUP BY o.account_id, o.signal_id
    """
    now_s = now.timestamp()
    cursor.execute(sql, [now_s, now_s, *p_values, adapt(now), *p_scan, *p_accounts])
    for aid, sid, newest, n, wsum, wtot, vsum, pn, psum in cursor.fetchall():
        out[aid][sid] = SignalAggregate(
            newest_at=times(newest), n=n, wsum=wsum or 0.0, wtot=wtot or 0.0, vsum=vsum or 0.0, pn=pn,
            psum=psum or 0.0,
        )


def _latest(cursor, out, signals, now, account_ids, by_range, times) -> None:
    """Newest observation up to ``now`` per account and "latest" signal: an index probe each
    (``obs_account_signal_time``). Inside the horizon it gives the value; before it, only when."""
    adapt = connection.ops.adapt_datetimefield_value
    ts = _ts()
    values = ", ".join(f"(%s, {ts})" for _ in signals)
    p_values = [v for s in signals for v in (s.id, adapt(now - s.horizon_days * DAY))]
    accounts, p_accounts = _accounts_where("a.id", account_ids, by_range)
    if _pg():
        # One backward index scan per pair; ties on the time → the larger value (incremental sort).
        sql = f"""
            SELECT a.id, s.column1, {_micros("l.observed_at")},
                CASE WHEN l.observed_at > s.column2 THEN {_clamped("l.value")} END
            FROM accounts_account a CROSS JOIN (VALUES {values}) AS s
            CROSS JOIN LATERAL (
                SELECT o.observed_at, o.value FROM scoring_observation o
                WHERE o.account_id = a.id AND o.signal_id = s.column1 AND o.observed_at <= {ts}
                ORDER BY o.observed_at DESC, o.value DESC LIMIT 1
            ) AS l
            WHERE {accounts}
        """
        params = [*p_values, adapt(now), *p_accounts]
    else:
        at_newest = ("(SELECT MAX(o2.value) FROM scoring_observation o2 "
                     "WHERE o2.account_id = aid AND o2.signal_id = sid AND o2.observed_at = newest)")
        sql = f"""
            SELECT aid, sid, newest, CASE WHEN newest > horizon THEN {_clamped(at_newest)} END
            FROM (
                SELECT a.id AS aid, s.column1 AS sid, s.column2 AS horizon, (
                    SELECT MAX(o.observed_at) FROM scoring_observation o
                    WHERE o.account_id = a.id AND o.signal_id = s.column1 AND o.observed_at <= {ts}) AS newest
                FROM accounts_account a CROSS JOIN (VALUES {values}) AS s
                WHERE {accounts}
            ) WHERE newest IS NOT NULL
        """
        params = [adapt(now), *p_values, *p_accounts]  # the time bound comes first in the text
    cursor.execute(sql, params)
    for aid, sid, newest, value in cursor.fetchall():
        out[aid][sid] = SignalAggregate(newest_at=times(newest), latest=value)


def _add_older(out, account_ids: Sequence[int], signals: Sequence[SignalSpec], now: dt.datetime, times) -> None:
    """For windowed pairs with nothing in the horizon, when the data stopped ("no data since …"):
    one query of index probes (MAX(observed_at) per account and signal), only where needed."""
    wanted = {s.id for s in signals}
    accounts = [a for a in account_ids if not wanted <= out.get(a, {}).keys()]
    if not accounts:
        return
    missing = sorted({s for a in accounts for s in wanted if s not in out.get(a, ())})
    adapt = connection.ops.adapt_datetimefield_value
    sql = f"""
        SELECT a.id, s.id, (SELECT MAX(o.observed_at) FROM scoring_observation o
                            WHERE o.account_id = a.id AND o.signal_id = s.id AND o.observed_at <= %s)
        FROM accounts_account a CROSS JOIN scoring_signaldefinition s
        WHERE a.id IN ({", ".join(["%s"] * len(accounts))}) AND s.id IN ({", ".join(["%s"] * len(missing))})
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [adapt(now), *accounts, *missing])
        for aid, sid, newest in cursor.fetchall():
            if newest is not None and sid not in out.get(aid, ()):
                out[aid][sid] = SignalAggregate(newest_at=times(newest))


def raw_observations(
    *, account_ids: Sequence[int], signal_ids: Sequence[int], since: dt.datetime, until: dt.datetime
) -> dict[tuple[int, int], list[Obs]]:
    """(account id, signal id) → observations in (since, until], sorted by (time, value). One query.

    Raw SQL: the timestamps come back as integer microseconds on PostgreSQL (``_micros``), as text on
    SQLite (``|| ''`` skips the slow declared-type converter), each distinct one converted once.
    """
    out: dict[tuple[int, int], list[Obs]] = defaultdict(list)
    if not account_ids or not signal_ids:
        return out
    adapt = connection.ops.adapt_datetimefield_value
    at = _micros("observed_at") if _pg() else "observed_at || ''"
    sql = (
        f"SELECT account_id, signal_id, {at}, value FROM scoring_observation "
        f"WHERE account_id IN ({', '.join(['%s'] * len(account_ids))}) "
        f"AND signal_id IN ({', '.join(['%s'] * len(signal_ids))}) AND observed_at > %s AND observed_at <= %s "
        "ORDER BY account_id, signal_id, observed_at, value"
    )
    times = _Times()
    with connection.cursor() as cursor:
        cursor.execute(sql, [*account_ids, *signal_ids, adapt(since), adapt(until)])
        while rows := cursor.fetchmany(20000):
            for aid, sid, when, value in rows:
                out[(aid, sid)].append(Obs(times(when), value))
    return out
