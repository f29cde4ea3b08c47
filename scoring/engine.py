"""The scoring engine: pure functions over plain data (no ORM, no I/O).

Data in (a ``ModelSpec``, per-signal ``SignalAggregate`` numbers, the previous
state, history points, overrides, "now"), an ``AccountResult`` out. The
services feed it numbers aggregated in SQL; ``scoring.aggregation`` holds the
Python reference over raw observations that the SQL path must match, and
``scoring.changelog`` the change-log wording.

Vocabulary and formula: shared/DESIGN.md, "The score".
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from itertools import pairwise

# Re-exported: the aggregation types and the reference live in scoring.aggregation.
from scoring.aggregation import (  # noqa: F401
    DAY_SECONDS,
    VALUE_LIMIT,
    Obs,
    SeriesAggregator,
    SignalAggregate,
    aggregate_observations,
    clamp_value,
)

GREEN, YELLOW, RED = "green", "yellow", "red"
TIER_RANK = {GREEN: 2, YELLOW: 1, RED: 0}
NEUTRAL = 50.0
LN2 = math.log(2.0)
MINUS = "\u2212"
# Trend label rules (points). Rapid decline uses the model's own rule.
TREND_STABLE_POINTS = 5.0
GRADUAL_DECLINE_POINTS = 10.0
# The "decay" missing-data policy (usage-type signals): silence must not be masked (000). After
# SILENCE_GRACE_DAYS without a new observation the sub-score halves every half-life (the signal's
# own, else SILENCE_HALF_LIFE_DAYS) toward the bad value; once nothing is left in the window it
# counts as the bad value. A signal that never reported is excluded (no data yet, not silence).
SILENCE_GRACE_DAYS = 7
SILENCE_HALF_LIFE_DAYS = 14.0
# Days back at which the trend compares the score (History.past keys).
HISTORY_DAYS = (7, 30, 60, 90)


@dataclass(frozen=True)
class SignalSpec:
    id: int
    key: str
    label: str
    category: str
    direction: str  # "higher" | "lower" (informational: bad/good already say it)
    bad: float
    good: float
    aggregation: str = "latest"  # latest | mean | sum | count | pct_change
    window_days: int = 30
    half_life_days: float | None = None
    stale_after_days: int = 30
    missing_policy: str = "exclude"  # exclude | zero | neutral | decay
    weight: float = 1.0
    unit: str = ""

    @property
    def decay_rate(self) -> float:
        """k in weight = exp(-k · age_seconds); 0 means no decay."""
        if not self.half_life_days or self.aggregation not in ("mean", "sum", "count"):
            return 0.0
        return LN2 / (self.half_life_days * DAY_SECONDS)

    @property
    def horizon_days(self) -> int:
        """How far back observations are aggregated (windows, staleness)."""
        if self.aggregation == "latest":
            return self.stale_after_days
        windows = 2 if self.aggregation == "pct_change" else 1
        return max(windows * self.window_days, self.stale_after_days)


@dataclass(frozen=True)
class ModelSpec:
    version_id: int
    category_weights: Mapping[str, float]
    signals: tuple[SignalSpec, ...]
    green: float = 75.0
    yellow: float = 50.0
    hold_days: int = 7
    rapid_decline_points: float = 20.0
    rapid_decline_days: int = 30
    number: int = 1
    name: str = ""
    # Share of the model's weight that must have data before the account gets a tier.
    min_data_share: float = 0.0

    @cached_property
    def signal_ids(self) -> dict[str, int]:
        """Signal key → id (how compact snapshots name the signals: scoring.snapshot_pack)."""
        return {sig.key: sig.id for sig in self.signals}


@dataclass(frozen=True)
class OverrideSpec:
    id: int
    reason: str
    effect: str  # "cap" | "penalty"
    value: float
    expires_at: dt.datetime
    reason_label: str = ""
    note: str = ""
    revoked_at: dt.datetime | None = None
    created_at: dt.datetime | None = None

    def active(self, now: dt.datetime) -> bool:
        """In force at ``now``: created, not yet expired, not revoked."""
        if self.created_at is not None and self.created_at > now:
            return False
        return self.expires_at > now and (self.revoked_at is None or self.revoked_at > now)

    def apply(self, score: float) -> float:
        if self.effect == "cap":
            return min(score, self.value)
        return max(0.0, score - self.value)


@dataclass(frozen=True)
class PriorState:
    """The account's stored state (AccountScore) before this computation."""

    tier: str
    tier_since: dt.date | None = None
    pending_tier: str = ""
    pending_since: dt.date | None = None


@dataclass(frozen=True)
class History:
    """Past daily scores: ``past[d]`` = score d days before today; ``peak`` = highest
    score in the model's rapid-decline window before today."""

    past: Mapping[int, float] = field(default_factory=dict)
    peak: float | None = None


@dataclass
class AccountResult:
    score: float
    raw_score: float
    raw_tier: str
    tier: str
    tier_since: dt.date
    pending_tier: str
    pending_since: dt.date | None
    trend: str
    delta_7: float | None
    delta_30: float | None
    delta_90: float | None
    components: dict
    model_version_id: int
    override_id: int | None = None
    # Why a tier may change (for the change log): the model's hold, and the fall from the
    # peak of the rapid-decline window when it counts as a rapid decline (else None).
    hold_days: int = 7
    decline: float | None = None
    decline_days: int = 30
    # Signal key → id of the model that scored it (for compact snapshots; not part of the result's value).
    signal_ids: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)


def signal_value(signal: SignalSpec, agg: SignalAggregate) -> float | None:
    """The aggregated value of a signal (within ±VALUE_LIMIT), or None when it cannot be computed."""
    value = _raw_value(signal, agg)
    if value is None or value != value:  # NaN (e.g. inf − inf from aggregates built elsewhere)
        return None
    return clamp_value(value)


def _raw_value(signal: SignalSpec, agg: SignalAggregate) -> float | None:
    a = signal.aggregation
    if a == "latest":
        return agg.latest
    if a == "mean":
        return agg.wsum / agg.wtot if agg.wtot > 0 else None
    if a == "sum":
        return agg.wsum  # silence in the window lowers the sum: no data = 0
    if a == "count":
        return agg.wtot
    if a == "pct_change":
        if agg.pn == 0 or agg.psum == 0:
            return None
        return (agg.vsum - agg.psum) / abs(agg.psum) * 100.0
    raise ValueError(f"unknown aggregation {a!r}")


def normalise(value: float, bad: float, good: float) -> float:
    """Linear: ``bad`` → 0, ``good`` → 100, clamped; works whichever is larger."""
    s = (value - bad) / (good - bad) * 100.0
    return min(100.0, max(0.0, s))


def tier_for(score: float, model: ModelSpec) -> str:
    if score >= model.green:
        return GREEN
    if score >= model.yellow:
        return YELLOW
    return RED


# --- scoring -----------------------------------------------------------------


def _round_to_total(values: Sequence[float], total: float) -> list[float]:
    """Round to 2 decimals so the rounded values add up exactly to ``total`` (largest remainder)."""
    cents = [v * 100.0 for v in values]
    floors = [math.floor(c) for c in cents]
    missing = int(round(total * 100.0)) - sum(floors)
    order = sorted(range(len(cents)), key=lambda i: cents[i] - floors[i], reverse=missing > 0)
    for i in order[: abs(missing)]:
        floors[i] += 1 if missing > 0 else -1
    return [f / 100.0 for f in floors]


def _fmt(value: float) -> str:
    """One decimal, half up on the shown (2-decimal) value: 6.35 → "6.4", 4.0 → "4".

    Never raises: beyond ±1e15 (no longer exact to one decimal) three significant digits,
    "1e+30"; infinities and NaN as words."""
    if not math.isfinite(value):
        text = "NaN" if value != value else ("−infinity" if value < 0 else "infinity")
    elif abs(value) >= 1e15:
        text = f"{value:.3g}"
    else:
        text = f"{Decimal(str(value)).quantize(Decimal('0.1'), ROUND_HALF_UP):,}".rstrip("0").rstrip(".")
    return text.replace("-", MINUS)


def silence_factor(sig: SignalSpec, newest_at: dt.datetime, now: dt.datetime) -> float:
    """Share of the sub-score a "decay" signal keeps after its data went quiet (1 within the grace)."""
    over = (now - newest_at).total_seconds() / DAY_SECONDS - SILENCE_GRACE_DAYS
    if over <= 0:
        return 1.0
    return 0.5 ** (over / (sig.half_life_days or SILENCE_HALF_LIFE_DAYS))


def _signal_rows(model: ModelSpec, aggregates: Mapping[int, SignalAggregate], now: dt.datetime) -> list[dict]:
    rows = []
    for sig in model.signals:
        agg = aggregates.get(sig.id) or SignalAggregate()
        value = signal_value(sig, agg) if agg.newest_at else None
        if agg.newest_at is None:
            status = "missing"
        elif now - agg.newest_at >= dt.timedelta(days=sig.stale_after_days):
            status = "stale"
        elif value is None:
            status = "stale" if now - agg.newest_at >= dt.timedelta(days=sig.window_days) else "missing"
        else:
            status = "ok"
        factor = 1.0
        if status == "ok":
            sub = normalise(value, sig.bad, sig.good)
            if sig.missing_policy == "decay":
                factor = silence_factor(sig, agg.newest_at, now)
                sub *= factor
        elif sig.missing_policy == "zero":
            sub = 0.0
        elif sig.missing_policy == "neutral":
            sub = NEUTRAL
        elif sig.missing_policy == "decay":
            sub = 0.0 if agg.newest_at is not None else None  # quiet: the bad value; never reported: excluded
            factor = 0.0
        else:
            sub = None
        rows.append({"spec": sig, "value": value, "sub": sub, "status": status, "newest_at": agg.newest_at,
                     "factor": factor})
    return rows


def _shares(model: ModelSpec, rows: list[dict]) -> list[float]:
    """Effective weight share of each row: W_c/ΣW · w_m/Σw_c over categories and signals with data."""
    cat_sum: dict[str, float] = {}
    for r in rows:
        sig = r["spec"]
        if r["sub"] is not None and sig.weight > 0 and model.category_weights.get(sig.category, 0) > 0:
            cat_sum[sig.category] = cat_sum.get(sig.category, 0.0) + sig.weight
    total_w = sum(model.category_weights[c] for c in cat_sum)
    shares = []
    for r in rows:
        sig = r["spec"]
        if sig.category in cat_sum and r["sub"] is not None and sig.weight > 0:
            shares.append(model.category_weights[sig.category] / total_w * sig.weight / cat_sum[sig.category])
        else:
            shares.append(0.0)
    return shares


def _counted_as(sig: SignalSpec, row: dict) -> str:
    if row["sub"] is None:
        return "not counted (excluded)"
    if sig.missing_policy == "neutral":
        return "counted as neutral (50 of 100)"
    return f"counted as {_fmt(row['sub'])} of 100"


def _reason(row: dict) -> str:
    sig: SignalSpec = row["spec"]
    lost = _fmt(row["points_lost"])
    if row["status"] != "ok" or row["factor"] < 1:
        since = f"no data since {row['newest_at']:%Y-%m-%d}" if row["newest_at"] else "no data yet"
        last = ""
        if row["status"] == "ok":  # still in the window, decaying: say what it was worth
            last = f" (was {_fmt(normalise(row['value'], sig.bad, sig.good))})"
        return f"{sig.label}: {since}, {_counted_as(sig, row)}{last}: {MINUS}{lost}"
    word = "low" if sig.good > sig.bad else "high"
    unit = f" {sig.unit}" if sig.unit and sig.unit != "%" else (sig.unit or "")
    return f"{sig.label} {word} ({_fmt(row['value'])}{unit}): {MINUS}{lost}"


def score_components(
    model: ModelSpec,
    aggregates: Mapping[int, SignalAggregate],
    now: dt.datetime,
    overrides: Iterable[OverrideSpec] = (),
) -> dict:
    """Score + explanation (the shared components JSON) for one account."""
    rows = _signal_rows(model, aggregates, now)
    shares = _shares(model, rows)
    included = [i for i, s in enumerate(shares) if s > 0]
    if included:
        exact = [shares[i] * rows[i]["sub"] for i in included]
        raw = round(sum(exact), 2)
        contrib = dict(zip(included, _round_to_total(exact, raw), strict=True))
        lost = dict(zip(included, _round_to_total([shares[i] * 100 - e for i, e in zip(included, exact, strict=True)], 100 - raw), strict=True))
    else:  # nothing to score on: neutral, and the explanation says why
        raw, contrib, lost = NEUTRAL, {}, {}
    signals = []
    for i, r in enumerate(rows):
        sig: SignalSpec = r["spec"]
        r["points_lost"] = lost.get(i, 0.0)
        signals.append({
            "key": sig.key, "label": sig.label, "category": sig.category, "unit": sig.unit,
            "value": None if r["value"] is None else round(r["value"], 2),
            "sub_score": None if r["sub"] is None else round(r["sub"], 2),
            "weight_share": round(shares[i], 4),
            "contribution": contrib.get(i, 0.0),
            "points_lost": r["points_lost"],
            "newest_at": r["newest_at"].isoformat() if r["newest_at"] else None,
            "status": r["status"],
            "policy": sig.missing_policy,
            **({"silence_factor": round(r["factor"], 4)} if sig.missing_policy == "decay" else {}),
        })
    order = sorted(range(len(rows)), key=lambda i: (-signals[i]["points_lost"], signals[i]["key"]))
    signals = [signals[i] for i in order]
    reasons = [_reason(rows[i]) for i in [i for i in order if rows[i]["points_lost"] >= 1][:3]]
    if not included:
        reasons = ["No data for any signal: score is neutral (50)"]

    active = [o for o in overrides if o.active(now)]
    override = min(active, key=lambda o: (o.apply(raw), o.id)) if active else None
    score = raw
    override_json = None
    if override is not None:
        score = round(min(100.0, max(0.0, override.apply(raw))), 2)
        points = round(score - raw, 2)
        label = override.reason_label or override.reason.replace("_", " ").capitalize()
        override_json = {
            "id": override.id, "reason": override.reason, "reason_label": label, "note": override.note,
            "effect": override.effect, "value": override.value, "points": points,
            "expires_at": override.expires_at.isoformat(),
        }
        how = f"capped at {_fmt(override.value)}" if override.effect == "cap" else f"penalty {_fmt(override.value)}"
        if points < 0:
            reasons.insert(0, f"{label}: {how}: {MINUS}{_fmt(-points)}")
    return {"raw_score": raw, "score": score, "signals": signals, "override": override_json, "top_reasons": reasons}


def data_share(model: ModelSpec, components: dict) -> float:
    """Share of the model's full weight (every weighted signal, whether it has data or not) held by signals
    with current data ("ok"): W_c/ΣW · w_m/Σw_c summed over those signals."""
    weights = {s.key: (s.category, s.weight) for s in model.signals
               if s.weight > 0 and model.category_weights.get(s.category, 0) > 0}
    cat_sum: dict[str, float] = {}
    for cat, w in weights.values():
        cat_sum[cat] = cat_sum.get(cat, 0.0) + w
    total = sum(model.category_weights[c] for c in cat_sum)
    if not total:
        return 0.0
    share = 0.0
    for row in components["signals"]:
        if row["status"] == "ok" and row["key"] in weights:
            cat, w = weights[row["key"]]
            share += model.category_weights[cat] / total * w / cat_sum[cat]
    return round(share, 4)


# --- stability and trend -------------------------------------------------------


def is_rapid_decline(score: float, history: History | None, model: ModelSpec) -> bool:
    return bool(history and history.peak is not None and history.peak - score >= model.rapid_decline_points)


def effective_tier(
    *, raw_tier: str, score: float, today: dt.date, prior: PriorState | None, history: History | None, model: ModelSpec
) -> tuple[str, dt.date, str, dt.date | None]:
    """Hysteresis: (tier, tier_since, pending_tier, pending_since).

    The effective tier follows the raw tier once the raw tier has held for
    ``hold_days`` days (the first day counts: with 7, day 6 holds, day 7 changes).
    A downgrade during a rapid decline acts at once.
    """
    if prior is None:
        return raw_tier, today, "", None
    since = prior.tier_since or today
    if raw_tier == prior.tier:
        return prior.tier, since, "", None
    downgrade = TIER_RANK[raw_tier] < TIER_RANK[prior.tier]
    if downgrade and is_rapid_decline(score, history, model):
        return raw_tier, today, "", None
    pending_since = prior.pending_since if prior.pending_tier == raw_tier and prior.pending_since else today
    if (today - pending_since).days + 1 >= model.hold_days:
        return raw_tier, today, "", None
    return prior.tier, since, raw_tier, pending_since


def trend(score: float, history: History | None, model: ModelSpec) -> tuple[str, dict[int, float | None]]:
    """7/30/90-day deltas and the label (rapid decline, gradual decline, improving, stable)."""
    past = history.past if history else {}
    deltas = {d: (round(score - past[d], 2) if d in past else None) for d in HISTORY_DAYS}
    if is_rapid_decline(score, history, model):
        return "rapid_decline", deltas
    d30, d60, d90 = deltas[30], deltas[60], deltas[90]
    long = d90 if d90 is not None else d60
    # Sustained fall: down at least 10 over 60–90 days, and lower at every checkpoint.
    checkpoints = [past[d] for d in (90, 60, 30) if d in past] + [score]
    if long is not None and long <= -GRADUAL_DECLINE_POINTS and all(a > b for a, b in pairwise(checkpoints)):
        return "gradual_decline", deltas
    if (d30 is not None and d30 >= TREND_STABLE_POINTS) or (long is not None and long >= GRADUAL_DECLINE_POINTS and (d30 or 0) >= 0):
        return "improving", deltas
    return "stable", deltas


def compute_account(
    *,
    model: ModelSpec,
    aggregates: Mapping[int, SignalAggregate],
    now: dt.datetime,
    today: dt.date | None = None,
    prior: PriorState | None = None,
    history: History | None = None,
    overrides: Iterable[OverrideSpec] = (),
) -> AccountResult:
    """Everything about one account's score at ``now``."""
    today = today or now.date()
    components = score_components(model, aggregates, now, overrides)
    score = components["score"]
    share = data_share(model, components)
    if share < model.min_data_share:
        return _not_enough_data(model, components, share, today)
    if prior is not None and not prior.tier:
        prior = None  # the first score with enough data enters its tier, as a first score does
    raw_tier = tier_for(score, model)
    tier, tier_since, pending, pending_since = effective_tier(
        raw_tier=raw_tier, score=score, today=today, prior=prior, history=history, model=model
    )
    label, deltas = trend(score, history, model)
    return AccountResult(
        score=score, raw_score=components["raw_score"], raw_tier=raw_tier, tier=tier, tier_since=tier_since,
        pending_tier=pending, pending_since=pending_since, trend=label,
        delta_7=deltas[7], delta_30=deltas[30], delta_90=deltas[90], components=components,
        model_version_id=model.version_id,
        override_id=components["override"]["id"] if components["override"] else None,
        hold_days=model.hold_days, decline_days=model.rapid_decline_days,
        decline=round(score - history.peak, 2) if is_rapid_decline(score, history, model) else None,
        signal_ids=model.signal_ids,
    )


def _not_enough_data(model: ModelSpec, components: dict, share: float, today: dt.date) -> AccountResult:
    """Too little of the model's weight has data: a score for reference, but no tier (so no playbook, no
    alert, no hysteresis or trend) until enough arrives."""
    components = {**components, "not_enough_data": True, "data_share": share,
                  "top_reasons": [f"Not enough data yet: {share:.0%} of the model's weight has data "
                                  f"(needs {model.min_data_share:.0%})"]}
    return AccountResult(
        score=components["score"], raw_score=components["raw_score"], raw_tier="", tier="", tier_since=today,
        pending_tier="", pending_since=None, trend="stable", delta_7=None, delta_30=None, delta_90=None,
        components=components, model_version_id=model.version_id,
        override_id=components["override"]["id"] if components["override"] else None,
        hold_days=model.hold_days, decline_days=model.rapid_decline_days, signal_ids=model.signal_ids,
    )
