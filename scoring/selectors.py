"""Reads for the scoring services: model specs, SQL aggregation, stored state.

Every function reads a whole set of accounts in a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from contextlib import nullcontext

from django.db import connection, transaction
from django.db.models import Max, Q

from accounts.models import Account
from scoring.engine import (
    History,
    ModelSpec,
    Obs,
    OverrideSpec,
    PriorState,
    SignalAggregate,
    SignalSpec,
)
from scoring.models import (
    AccountScore,
    CategoryWeight,
    Override,
    ScoreChange,
    ScoreModelVersion,
    ScoreSnapshot,
    SignalWeight,
)

HISTORY_DAYS = (7, 30, 60, 90)


def of_accounts(account_ids: Sequence[int], field: str = "account_id") -> Q:
    """``field IN ids``, or a range when the ids are dense (a chunk of a full run, in id order):
    no long IN list to build, send and plan. Callers keep only the rows of their ids."""
    if len(account_ids) >= 50:
        lo, hi = min(account_ids), max(account_ids)
        if hi - lo < 2 * len(account_ids):
            return Q(**{f"{field}__gte": lo, f"{field}__lte": hi})
    return Q(**{f"{field}__in": account_ids})


# --- models -------------------------------------------------------------------


def signal_spec(s, weight: float = 1.0) -> SignalSpec:
    """A SignalDefinition as the engine sees it."""
    return SignalSpec(
        id=s.pk, key=s.key, label=s.label, category=s.category, direction=s.direction, bad=s.bad_value,
        good=s.good_value, aggregation=s.aggregation, window_days=s.window_days, half_life_days=s.half_life_days,
        stale_after_days=s.stale_after_days, missing_policy=s.missing_policy, weight=weight, unit=s.unit,
    )


def model_specs_for_signals(signals: Iterable) -> list[SignalSpec]:
    return [signal_spec(s) for s in signals]


def model_specs(versions: Iterable[ScoreModelVersion]) -> dict[int, ModelSpec]:
    """ModelSpec per version id (3 queries whatever the number of versions)."""
    versions = list(versions)
    ids = [v.pk for v in versions]
    cats: dict[int, dict[str, float]] = defaultdict(dict)
    for vid, cat, weight in CategoryWeight.objects.filter(version_id__in=ids).values_list("version_id", "category", "weight"):
        cats[vid][cat] = weight
    sigs: dict[int, list[SignalSpec]] = defaultdict(list)
    for sw in SignalWeight.objects.filter(version_id__in=ids, signal__active=True).select_related("signal").order_by("signal__key"):
        sigs[sw.version_id].append(signal_spec(sw.signal, sw.weight))
    return {
        v.pk: ModelSpec(
            version_id=v.pk, category_weights=cats[v.pk], signals=tuple(sigs[v.pk]), green=v.green_threshold,
            yellow=v.yellow_threshold, hold_days=v.hold_days, rapid_decline_points=v.rapid_decline_points,
            rapid_decline_days=v.rapid_decline_days, number=v.number, name=str(v.model),
        )
        for v in versions
    }


def published_models() -> tuple[dict[int, ModelSpec], dict[int | None, int]]:
    """Published specs, and segment id → version id (key None: the default segment's version)."""
    versions = list(ScoreModelVersion.objects.filter(status=ScoreModelVersion.Status.PUBLISHED).select_related("model__segment"))
    routing: dict[int | None, int] = {}
    for v in versions:
        routing[v.model.segment_id] = v.pk
        if v.model.segment.is_default:
            routing[None] = v.pk
    return model_specs(versions), routing


def account_segments(account_ids: Sequence[int]) -> dict[int, int | None]:
    wanted = set(account_ids)
    rows = Account.objects.filter(of_accounts(account_ids, "pk")).values_list("pk", "segment_id")
    return {pk: segment for pk, segment in rows if pk in wanted}


def signals_of(specs: Iterable[ModelSpec]) -> list[SignalSpec]:
    """The distinct signals of these model specs."""
    return list({s.id: s for spec in specs for s in spec.signals}.values())


def account_versions(account_ids: Sequence[int], routing: dict[int | None, int]) -> dict[int, int]:
    """account id → the published version that scores it (accounts that exist only)."""
    segments = account_segments(account_ids)
    out = {}
    for aid in account_ids:
        vid = version_for(segments.get(aid), routing) if aid in segments else None
        if vid is not None:
            out[aid] = vid
    return out


def version_for(segment_id: int | None, routing: dict[int | None, int]) -> int | None:
    """The account's segment's published version, else the default segment's."""
    return routing.get(segment_id) or routing.get(None)


# --- observations ----------------------------------------------------------------


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _sql_parts() -> tuple[str, str, str]:
    """(epoch seconds of o.observed_at, a timestamp parameter, newest as sent back) for this backend."""
    if connection.vendor == "postgresql":
        # Newest as integer microseconds: exact, and ~50× cheaper to load than a timestamptz.
        return ("date_part('epoch', o.observed_at)", "CAST(%s AS timestamptz)",
                "CAST(EXTRACT(EPOCH FROM newest) * 1000000 AS bigint)")
    return "((julianday(o.observed_at) - 2440587.5) * 86400.0)", "%s", "newest"


def _to_datetime(value) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    if isinstance(value, int):
        return _EPOCH + dt.timedelta(microseconds=value)
    return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)


def signal_aggregates(
    *, signals: Sequence[SignalSpec], now: dt.datetime, account_ids: Sequence[int], by_range: bool = False
) -> dict[int, dict[int, SignalAggregate]]:
    """account id → signal id → SignalAggregate, in ONE GROUP BY query.

    The decay weight exp((t − now)·k) is computed in SQL (k = ln 2 / half-life);
    the value of the newest observation is the max of [time, value] pairs on PostgreSQL,
    one index lookup per group on SQLite.
    Same semantics as ``engine.aggregate_observations`` (the reference).
    """
    if not signals or not account_ids:
        return {}
    adapt = connection.ops.adapt_datetimefield_value
    epoch, ts, newest = _sql_parts()
    day = dt.timedelta(days=1)
    now_s = now.timestamp()

    # Per-signal parameters in a VALUES list joined on the signal (hash join: 8 rows).
    values, p_values = [], []
    for s in signals:
        values.append(f"(%s, {ts}, {ts}, {ts}, %s)")
        p_values += [s.id, adapt(now - s.window_days * day), adapt(now - 2 * s.window_days * day),
                     adapt(now - s.horizon_days * day), float(s.decay_rate)]
    if by_range:  # a block of all accounts in id order: a range, not a long IN list
        where, p_where = " AND o.account_id BETWEEN %s AND %s", [min(account_ids), max(account_ids)]
    else:
        where, p_where = f" AND o.account_id IN ({', '.join(['%s'] * len(account_ids))})", list(account_ids)
    latest_ids = [s.id for s in signals if s.aggregation == "latest"] or [-1]
    in_win = "o.observed_at > p.column2"
    in_prev = "o.observed_at > p.column3 AND o.observed_at <= p.column2"
    weight = f"CASE WHEN p.column5 = 0 THEN 1.0 ELSE EXP(({epoch} - %s) * p.column5) END"
    pg = connection.vendor == "postgresql"
    latest_in = ", ".join(["%s"] * len(latest_ids))
    if pg:
        # The newest value in the same pass: max over [time, value] pairs (ties → larger value).
        latest_agg = f", MAX(ARRAY[{epoch}, o.value]) FILTER (WHERE o.signal_id IN ({latest_in})) AS lpair"
        latest_sql, p_agg, p_out = "lpair[2]", latest_ids, []
    else:  # one index lookup per group
        latest_agg, p_agg, p_out = "", [], latest_ids
        latest_sql = f"""CASE WHEN sid IN ({latest_in}) THEN (
                SELECT MAX(o2.value) FROM scoring_observation o2
                WHERE o2.account_id = agg.aid AND o2.signal_id = agg.sid AND o2.observed_at = agg.newest
            ) END"""
    sql = f"""
        WITH agg AS (
            SELECT o.account_id AS aid, o.signal_id AS sid, MAX(o.observed_at) AS newest,
                COUNT(*) FILTER (WHERE {in_win}) AS n,
                SUM(o.value * {weight}) FILTER (WHERE {in_win}) AS wsum,
                SUM({weight}) FILTER (WHERE {in_win}) AS wtot,
                SUM(o.value) FILTER (WHERE {in_win}) AS vsum,
                COUNT(*) FILTER (WHERE {in_prev}) AS pn,
                SUM(o.value) FILTER (WHERE {in_prev}) AS psum{latest_agg}
            FROM scoring_observation o JOIN (VALUES {", ".join(values)}) AS p ON p.column1 = o.signal_id
            WHERE o.observed_at > p.column4 AND o.observed_at <= {ts} AND o.observed_at > {ts}{where}
            GROUP BY o.account_id, o.signal_id
        )
        SELECT aid, sid, {newest}, n, wsum, wtot, vsum, pn, psum, {latest_sql} AS latest
        FROM agg
    """
    oldest = now - max(s.horizon_days for s in signals) * day
    params = [now_s, now_s, *p_agg, *p_values, adapt(now), adapt(oldest), *p_where, *p_out]
    out: dict[int, dict[int, SignalAggregate]] = defaultdict(dict)
    with transaction.atomic() if pg else nullcontext(), connection.cursor() as cursor:
        if pg:
            # A big one-off aggregation: no JIT compile (seconds), hash it in memory.
            cursor.execute("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'")
        cursor.execute(sql, params)
        for aid, sid, newest, n, wsum, wtot, vsum, pn, psum, latest in cursor.fetchall():
            out[aid][sid] = SignalAggregate(
                newest_at=_to_datetime(newest), latest=latest, n=n, wsum=wsum or 0.0, wtot=wtot or 0.0,
                vsum=vsum or 0.0, pn=pn, psum=psum or 0.0,
            )
    _add_older(out, account_ids, signals, now)
    return out


def _add_older(out: dict, account_ids: Sequence[int], signals: Sequence[SignalSpec], now: dt.datetime) -> None:
    """For pairs with nothing in the horizon, when the data stopped ("no data since …"): one
    query of index probes (MAX(observed_at) per account and signal), only where needed."""
    wanted = {s.id for s in signals}
    accounts = [a for a in account_ids if len(out.get(a, ())) < len(wanted)]
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
                out[aid][sid] = SignalAggregate(newest_at=_to_datetime(newest))


def raw_observations(
    *, account_ids: Sequence[int], signal_ids: Sequence[int], since: dt.datetime, until: dt.datetime
) -> dict[tuple[int, int], list[Obs]]:
    """(account id, signal id) → observations in (since, until], sorted by (time, value). One query.

    Raw SQL: on SQLite the timestamps come back as text (``|| ''`` skips the slow
    declared-type converter) and are parsed by ``datetime.fromisoformat``.
    """
    out: dict[tuple[int, int], list[Obs]] = defaultdict(list)
    if not account_ids or not signal_ids:
        return out
    adapt = connection.ops.adapt_datetimefield_value
    at = "observed_at" if connection.vendor == "postgresql" else "observed_at || ''"
    sql = (
        f"SELECT account_id, signal_id, {at}, value FROM scoring_observation "
        f"WHERE account_id IN ({', '.join(['%s'] * len(account_ids))}) "
        f"AND signal_id IN ({', '.join(['%s'] * len(signal_ids))}) AND observed_at > %s AND observed_at <= %s "
        "ORDER BY account_id, signal_id, observed_at, value"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*account_ids, *signal_ids, adapt(since), adapt(until)])
        while rows := cursor.fetchmany(20000):
            for aid, sid, when, value in rows:
                out[(aid, sid)].append(Obs(_to_datetime(when), value))
    return out


# --- stored state ------------------------------------------------------------------


def current_scores(account_ids: Sequence[int], components: bool = True) -> dict[int, dict]:
    fields = ["account_id", "score", "tier", "tier_since", "pending_tier", "pending_since", "model_version_id",
              "computed_at"] + (["components"] if components else [])
    wanted = set(account_ids)
    rows = AccountScore.objects.filter(of_accounts(account_ids)).values(*fields)
    return {r["account_id"]: r for r in rows if r["account_id"] in wanted}


def score_components(account_ids: Sequence[int]) -> dict[int, dict]:
    """Stored AccountScore components (read only where a change-log entry needs them)."""
    wanted = set(account_ids)
    rows = AccountScore.objects.filter(of_accounts(account_ids)).values_list("account_id", "components")
    return {aid: components for aid, components in rows if aid in wanted}


def prior_state(row: dict | None) -> PriorState | None:
    if row is None:
        return None
    return PriorState(
        tier=row["tier"], tier_since=row["tier_since"], pending_tier=row["pending_tier"] or "",
        pending_since=row["pending_since"],
    )


def histories(account_ids: Sequence[int], today: dt.date, peak_days: Iterable[int]) -> dict[int, dict[int, History]]:
    """account id → rapid-decline days → History (scores 7/30/60/90 days ago, peak before today)."""
    past: dict[int, dict[int, float]] = defaultdict(dict)
    dates = {today - dt.timedelta(days=d): d for d in HISTORY_DAYS}
    for aid, date, score in ScoreSnapshot.objects.filter(of_accounts(account_ids), date__in=list(dates)).values_list(
        "account_id", "date", "score"
    ):
        past[aid][dates[date]] = score
    out: dict[int, dict[int, History]] = defaultdict(dict)
    for days in set(peak_days):
        peaks = dict(
            ScoreSnapshot.objects.filter(
                of_accounts(account_ids), date__gte=today - dt.timedelta(days=days), date__lt=today
            ).values("account_id").annotate(peak=Max("score")).values_list("account_id", "peak")
        )
        for aid in account_ids:
            out[aid][days] = History(past=past.get(aid, {}), peak=peaks.get(aid))
    return out


def accounts_scored_before(account_ids: Sequence[int], date: dt.date) -> set[int]:
    """Accounts that have a snapshot dated before ``date``."""
    return set(ScoreSnapshot.objects.filter(of_accounts(account_ids), date__lt=date).values_list(
        "account_id", flat=True).distinct()) & set(account_ids)


def earlier_snapshots(account_ids: Sequence[int], today: dt.date) -> dict[int, dict]:
    """The latest snapshot of the last week before ``today`` per account (baseline of the change log)."""
    out: dict[int, dict] = {}
    wanted = set(account_ids)
    rows = ScoreSnapshot.objects.filter(
        of_accounts(account_ids), date__lt=today, date__gte=today - dt.timedelta(days=7)
    ).order_by("account_id", "date").values("account_id", "score", "tier", "model_version_id", "components")
    for row in rows:
        if row["account_id"] in wanted:
            out[row["account_id"]] = row
    return out


def overrides_for(account_ids: Sequence[int], since: dt.datetime) -> dict[int, list[OverrideSpec]]:
    """Overrides that may be active at some time after ``since``."""
    out: dict[int, list[OverrideSpec]] = defaultdict(list)
    labels = dict(Override.Reason.choices)
    rows = Override.objects.filter(of_accounts(account_ids), expires_at__gt=since).filter(
        Q(revoked_at__isnull=True) | Q(revoked_at__gt=since)
    )
    for o in rows:
        out[o.account_id].append(OverrideSpec(
            id=o.pk, reason=o.reason, effect=o.effect, value=o.value, expires_at=o.expires_at,
            reason_label=labels.get(o.reason, o.reason), note=o.note, revoked_at=o.revoked_at,
            created_at=o.created_at,
        ))
    return out


def changes_on(account_ids: Sequence[int], first: dt.date, last: dt.date) -> dict[tuple[int, dt.date, str], dict]:
    rows = ScoreChange.objects.filter(of_accounts(account_ids), date__gte=first, date__lte=last).values()
    return {(r["account_id"], r["date"], r["cause"]): r for r in rows}
