"""Reads for the scoring services: model specs, SQL aggregation, stored state.

Every function reads a whole set of accounts in a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from django.db import connection
from django.db.models import Max, OuterRef, Q, Subquery

from accounts.models import Account
from scoring.engine import (
    HISTORY_DAYS,
    History,
    ModelSpec,
    OverrideSpec,
    PriorState,
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
from scoring.observation_reads import raw_observations, signal_aggregates  # noqa: F401
from scoring.snapshot_pack import expand


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
            min_data_share=v.min_data_share,
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
# The SQL over observations lives in scoring.observation_reads (re-exported here).

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
    # Days without a tier (not enough data yet) are no baseline for a trend or a decline.
    tiered = ScoreSnapshot.objects.exclude(tier="")
    for aid, date, score in tiered.filter(of_accounts(account_ids), date__in=list(dates)).values_list(
        "account_id", "date", "score"
    ):
        past[aid][dates[date]] = score
    out: dict[int, dict[int, History]] = defaultdict(dict)
    for days in set(peak_days):
        peaks = dict(
            tiered.filter(
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


def earlier_snapshots(account_ids: Sequence[int], today: dt.date, keys: Mapping[int, str] | None = None
                      ) -> dict[int, dict]:
    """The latest snapshot of the last week before ``today`` per account (baseline of the change log)."""
    out: dict[int, dict] = {}
    wanted = set(account_ids)
    rows = ScoreSnapshot.objects.filter(
        of_accounts(account_ids), date__lt=today, date__gte=today - dt.timedelta(days=7)
    ).order_by("account_id", "date").values("account_id", "score", "tier", "model_version_id", "components",
                                            "packed")
    for row in rows:
        if row["account_id"] in wanted:
            # Compact rows name signals by id: ``keys`` (the published models' signals) names them.
            row["components"] = expand(row.pop("packed"), row["components"], keys or {})
            out[row["account_id"]] = row
    return out


ENTRY_FIELDS = ("account_id", "date", "to_score", "to_tier", "model_version_id", "cause")


def last_entries(account_ids: Sequence[int], before: dt.date) -> dict[int, dict]:
    """Each account's latest change-log entry dated before ``before`` (the change log's baseline)."""
    wanted = set(account_ids)
    rows = ScoreChange.objects.filter(of_accounts(account_ids), date__lt=before)
    if connection.vendor == "postgresql":
        found = rows.order_by("account_id", "-date", "-id").distinct("account_id").values(*ENTRY_FIELDS)
    else:
        newest = ScoreChange.objects.filter(account_id=OuterRef("account_id"), date__lt=before).order_by("-date", "-id")
        found = rows.filter(id=Subquery(newest.values("id")[:1])).values(*ENTRY_FIELDS)
    return {r["account_id"]: r for r in found if r["account_id"] in wanted}


def snapshot_components(pairs: Iterable[tuple[int, dt.date]], keys: Mapping[int, str] | None = None
                        ) -> dict[tuple[int, dt.date], dict]:
    """Components of the snapshots of these (account, date) pairs (a baseline entry's day); compact rows
    name their signals by id, ``keys`` names them (scoring.snapshot_pack)."""
    pairs = set(pairs)
    if not pairs:
        return {}
    rows = ScoreSnapshot.objects.filter(account_id__in={a for a, _ in pairs}, date__in={d for _, d in pairs})
    return {(a, d): expand(p, c, keys or {})
            for a, d, c, p in rows.values_list("account_id", "date", "components", "packed") if (a, d) in pairs}


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
