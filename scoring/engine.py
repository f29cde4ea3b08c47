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

    @cached_property
    def stale_after(self) -> dt.timedelta:
        return dt.timedelta(days=self.stale_after_days)

    @cached_property
    def window(self) -> dt.timedelta:
        return dt.timedelta(days=self.window_days)


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

    @cached_property
    def signal_keys(self) -> tuple[str, ...]:
        return tuple(sig.key for sig in self.signals)

    @cached_property
    def data_weights(self) -> dict[str, float]:
        """Signal key → its share of the model's full weight (``data_share``), for weighted signals."""
        weights = {s.key: (s.category, s.weight) for s in self.signals
                   if s.weight > 0 and self.category_weights.get(s.category, 0) > 0}
        cat_sum: dict[str, float] = {}
        for cat, w in weights.values():
            cat_sum[cat] = cat_sum.get(cat, 0.0) + w
        total = sum(self.category_weights[c] for c in cat_sum)
        return {key: self.category_weights[cat] / total * w / cat_sum[cat] for key, (cat, w) in weights.items()}

    @cached_property
    def no_data_readings(self) -> tuple:
        """Each signal's reading when it has no observation at all (the same at any "now")."""
        return tuple(_reading(sig, SignalAggregate(), None) for sig in self.signals)

    @cached_property
    def shares_by_counted(self) -> dict[tuple[bool, ...], tuple[float, ...]]:
        """The weight shares (``_shares``) by which signals have a sub-score, as they are met."""
        return {}


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
    if not missing:
        return [f / 100.0 for f in floors]
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


# One signal's reading at "now": (spec, value, sub-score or None, status, newest_at, silence factor).
Reading = tuple[SignalSpec, float | None, float | None, str, dt.datetime | None, float]


def signal_readings(model: ModelSpec, aggregates: Mapping[int, SignalAggregate], now: dt.datetime) -> list[Reading]:
    """Each signal's value, sub-score and status at ``now``, in model order: the numbers under the
    explanation (``score_components`` and ``score_numbers`` both start here)."""
    no_data = model.no_data_readings
    out = []
    for i, sig in enumerate(model.signals):
        agg = aggregates.get(sig.id)
        out.append(no_data[i] if agg is None or agg.newest_at is None else _reading(sig, agg, now))
    return out


def _reading(sig: SignalSpec, agg: SignalAggregate, now: dt.datetime | None) -> Reading:
    value = signal_value(sig, agg) if agg.newest_at else None
    if agg.newest_at is None:
        status = "missing"
    elif now - agg.newest_at >= sig.stale_after:
        status = "stale"
    elif value is None:
        status = "stale" if now - agg.newest_at >= sig.window else "missing"
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
    return (sig, value, sub, status, agg.newest_at, factor)


def _shares(model: ModelSpec, readings: Sequence[Reading]) -> tuple[float, ...]:
    """Effective weight share of each reading: W_c/ΣW · w_m/Σw_c over categories and signals with data
    (they depend only on which signals have a sub-score: computed once per model for each such set)."""
    counted = tuple(r[2] is not None for r in readings)
    shares = model.shares_by_counted.get(counted)
    if shares is None:
        shares = model.shares_by_counted[counted] = _shares_of(model, readings)
    return shares


def _shares_of(model: ModelSpec, readings: Sequence[Reading]) -> tuple[float, ...]:
    cat_sum: dict[str, float] = {}
    for sig, _, sub, *_ in readings:
        if sub is not None and sig.weight > 0 and model.category_weights.get(sig.category, 0) > 0:
            cat_sum[sig.category] = cat_sum.get(sig.category, 0.0) + sig.weight
    total_w = sum(model.category_weights[c] for c in cat_sum)
    shares = []
    for sig, _, sub, *_ in readings:
        if sig.category in cat_sum and sub is not None and sig.weight > 0:
            shares.append(model.category_weights[sig.category] / total_w * sig.weight / cat_sum[sig.category])
        else:
            shares.append(0.0)
    return tuple(shares)


def _contributions(readings: Sequence[Reading], shares: Sequence[float]
                   ) -> tuple[float, list[int], dict[int, float], dict[int, float]]:
    """(raw score, indexes counted, contribution and points lost by index): each rounded to cents so
    that they add up exactly to the raw score and to 100 − raw."""
    included = [i for i, s in enumerate(shares) if s > 0]
    if not included:  # nothing to score on: neutral
        return NEUTRAL, included, {}, {}
    exact = [shares[i] * readings[i][2] for i in included]
    raw = round(sum(exact), 2)
    contrib = dict(zip(included, _round_to_total(exact, raw), strict=True))
    lost = dict(zip(included, _round_to_total([shares[i] * 100 - e for i, e in zip(included, exact, strict=True)], 100 - raw), strict=True))
    return raw, included, contrib, lost


def _explanation_order(model: ModelSpec, lost: Mapping[int, float]) -> list[int]:
    """Signal indexes as the explanation lists them: most points lost first, then by key."""
    keys = model.signal_keys
    return sorted(range(len(keys)), key=lambda i: (-lost.get(i, 0.0), keys[i]))


def _override_in_force(overrides: Iterable[OverrideSpec], raw: float, now: dt.datetime
                       ) -> tuple[OverrideSpec | None, float]:
    """The strongest override active at ``now`` (None) and the score after it."""
    active = [o for o in overrides if o.active(now)]
    override = min(active, key=lambda o: (o.apply(raw), o.id)) if active else None
    if override is None:
        return None, raw
    return override, round(min(100.0, max(0.0, override.apply(raw))), 2)


def _override_json(override: OverrideSpec, raw: float, score: float) -> dict:
    return {
        "id": override.id, "reason": override.reason, "reason_label": _override_label(override), "note": override.note,
        "effect": override.effect, "value": override.value, "points": round(score - raw, 2),
        "expires_at": override.expires_at.isoformat(),
    }


def _override_label(override: OverrideSpec) -> str:
    return override.reason_label or override.reason.replace("_", " ").capitalize()


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
    readings = signal_readings(model, aggregates, now)
    shares = _shares(model, readings)
    raw, included, contrib, lost = _contributions(readings, shares)
    rows, signals = [], []
    for i, (sig, value, sub, status, newest_at, factor) in enumerate(readings):
        rows.append({"spec": sig, "value": value, "sub": sub, "status": status, "newest_at": newest_at,
                     "factor": factor, "points_lost": lost.get(i, 0.0)})
        signals.append({
            "key": sig.key, "label": sig.label, "category": sig.category, "unit": sig.unit,
            "value": None if value is None else round(value, 2),
            "sub_score": None if sub is None else round(sub, 2),
            "weight_share": round(shares[i], 4),
            "contribution": contrib.get(i, 0.0),
            "points_lost": lost.get(i, 0.0),
            "newest_at": newest_at.isoformat() if newest_at else None,
            "status": status,
            "policy": sig.missing_policy,
            **({"silence_factor": round(factor, 4)} if sig.missing_policy == "decay" else {}),
        })
    order = _explanation_order(model, lost)
    signals = [signals[i] for i in order]
    reasons = [_reason(rows[i]) for i in [i for i in order if rows[i]["points_lost"] >= 1][:3]]
    if not included:
        reasons = ["No data for any signal: score is neutral (50)"]

    override, score = _override_in_force(overrides, raw, now)
    override_json = None
    if override is not None:
        override_json = _override_json(override, raw, score)
        points = override_json["points"]
        how = f"capped at {_fmt(override.value)}" if override.effect == "cap" else f"penalty {_fmt(override.value)}"
        if points < 0:
            reasons.insert(0, f"{_override_label(override)}: {how}: {MINUS}{_fmt(-points)}")
    return {"raw_score": raw, "score": score, "signals": signals, "override": override_json, "top_reasons": reasons}


def data_share(model: ModelSpec, components: dict) -> float:
    """Share of the model's full weight (every weighted signal, whether it has data or not) held by signals
    with current data ("ok"): W_c/ΣW · w_m/Σw_c summed over those signals."""
    return _data_share(model, ((row["key"], row["status"]) for row in components["signals"]))


def _data_share(model: ModelSpec, statuses: Iterable[tuple[str, str]]) -> float:
    """``data_share`` over (key, status) pairs, added up in the order given (the explanation's)."""
    weights = model.data_weights
    share = 0.0
    for key, status in statuses:
        if status == "ok" and key in weights:
            share += weights[key]
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


@dataclass
class TierState:
    raw_tier: str
    tier: str
    tier_since: dt.date
    pending_tier: str
    pending_since: dt.date | None
    decline: float | None


def _tier_state(*, model: ModelSpec, score: float, share: float, today: dt.date, prior: PriorState | None,
                history: History | None) -> TierState | None:
    """Raw and effective tier (hysteresis) and the rapid-decline fall; None: not enough data for a tier."""
    if share < model.min_data_share:
        return None
    if prior is not None and not prior.tier:
        prior = None  # the first score with enough data enters its tier, as a first score does
    raw_tier = tier_for(score, model)
    tier, tier_since, pending, pending_since = effective_tier(
        raw_tier=raw_tier, score=score, today=today, prior=prior, history=history, model=model
    )
    decline = round(score - history.peak, 2) if is_rapid_decline(score, history, model) else None
    return TierState(raw_tier, tier, tier_since, pending, pending_since, decline)


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
    state = _tier_state(model=model, score=score, share=share, today=today, prior=prior, history=history)
    if state is None:
        return _not_enough_data(model, components, share, today)
    label, deltas = trend(score, history, model)
    return AccountResult(
        score=score, raw_score=components["raw_score"], raw_tier=state.raw_tier, tier=state.tier,
        tier_since=state.tier_since, pending_tier=state.pending_tier, pending_since=state.pending_since, trend=label,
        delta_7=deltas[7], delta_30=deltas[30], delta_90=deltas[90], components=components,
        model_version_id=model.version_id,
        override_id=components["override"]["id"] if components["override"] else None,
        hold_days=model.hold_days, decline_days=model.rapid_decline_days, decline=state.decline,
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


# --- the numbers alone (history days) --------------------------------------------


@dataclass
class AccountNumbers:
    """``compute_account``'s numbers without the explanation: score, tiers, hysteresis state, and per signal
    its sub-score and contribution. What a history day keeps (``scoring.backfill``: every day but the last
    of the range, whose full result becomes the AccountScore)."""

    score: float
    raw_score: float
    raw_tier: str
    tier: str
    tier_since: dt.date
    pending_tier: str
    pending_since: dt.date | None
    model_version_id: int
    # In the explanation's order: (signal, sub-score to the cent or None, contribution).
    signals: list[tuple[SignalSpec, float | None, float]]
    override: dict | None = None  # the components JSON's override (only when one is in force)
    hold_days: int = 7
    decline: float | None = None
    decline_days: int = 30
    signal_ids: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)

    @property
    def override_id(self) -> int | None:
        return self.override["id"] if self.override else None

    @property
    def components(self) -> dict:
        """The part of the components JSON that history and the change log read (key, label, sub-score
        and contribution per signal, and the override), equal to the full JSON's."""
        return {"signals": [{"key": sig.key, "label": sig.label, "sub_score": sub, "contribution": contribution}
                            for sig, sub, contribution in self.signals], "override": self.override}


def compute_numbers(
    *,
    model: ModelSpec,
    aggregates: Mapping[int, SignalAggregate],
    now: dt.datetime,
    today: dt.date | None = None,
    prior: PriorState | None = None,
    history: History | None = None,
    overrides: Iterable[OverrideSpec] = (),
) -> AccountNumbers:
    """``compute_account`` without the explanation (no labels, values, reasons, trend): the same numbers.

    ``history`` needs only its ``peak`` (the trend, which reads ``past``, is not computed)."""
    today = today or now.date()
    readings = signal_readings(model, aggregates, now)
    raw, _, contrib, lost = _contributions(readings, _shares(model, readings))
    order = _explanation_order(model, lost)
    override, score = _override_in_force(overrides, raw, now)
    share = _data_share(model, ((readings[i][0].key, readings[i][3]) for i in order))
    state = _tier_state(model=model, score=score, share=share, today=today, prior=prior, history=history)
    signals = [(readings[i][0], None if readings[i][2] is None else round(readings[i][2], 2), contrib.get(i, 0.0))
               for i in order]
    if state is None:
        state = TierState("", "", today, "", None, None)
    return AccountNumbers(
        score=score, raw_score=raw, raw_tier=state.raw_tier, tier=state.tier, tier_since=state.tier_since,
        pending_tier=state.pending_tier, pending_since=state.pending_since, model_version_id=model.version_id,
        signals=signals, override=None if override is None else _override_json(override, raw, score),
        hold_days=model.hold_days, decline=state.decline, decline_days=model.rapid_decline_days,
        signal_ids=model.signal_ids,
    )
