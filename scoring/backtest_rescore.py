"""Re-scoring stored snapshot components with other weights, and suggested weights.

Pure functions over plain data, used by the what-if preview, the backtest of a version and
the suggestions (``scoring.validation``, ``scoring.backtest_suggest``).

*Re-scoring approximation.* Each snapshot's components hold every signal's sub-score
(0–100, ``null`` when the signal was excluded for missing data). Re-weighting them with
another version's category and signal weights (same formula as the engine:
``Σ_c W_c/ΣW · Σ_m w_m/Σw_c · s_m`` over signals with a sub-score and a positive weight)
gives that version's score on that day without re-reading observations. What it cannot
see: a signal added by the draft (no stored sub-score → excluded), and a change of a
signal's definition (good/bad values, window, decay) — only weights, thresholds and
stability rules are re-applied. An override in the components is applied again (cap or
penalty). Effective tiers are replayed with the version's hold-days and rapid-decline rule.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from scoring.backtest import Day
from scoring.engine import History, ModelSpec, PriorState, effective_tier, tier_for


@dataclass(frozen=True)
class ModelWeights:
    """What re-scoring needs from a model version, as plain data."""

    category_weights: dict[str, float]
    signal_weights: dict[str, float]  # signal key → weight inside its category
    signal_categories: dict[str, str]  # signal key → category
    green: float = 75
    yellow: float = 50
    hold_days: int = 7
    rapid_points: float = 20
    rapid_days: int = 30

    def shares(self) -> dict[str, float]:
        """Each signal's effective share of the score when every signal has data."""
        by_cat: dict[str, float] = {}
        for key, w in self.signal_weights.items():
            if w > 0:
                cat = self.signal_categories[key]
                by_cat[cat] = by_cat.get(cat, 0.0) + w
        cats = {c: self.category_weights.get(c, 0.0) for c in by_cat if self.category_weights.get(c, 0.0) > 0}
        total = sum(cats.values())
        return {
            key: (cats[self.signal_categories[key]] / total) * (w / by_cat[self.signal_categories[key]])
            if w > 0 and self.signal_categories[key] in cats
            else 0.0
            for key, w in self.signal_weights.items()
        }

    def spec(self) -> ModelSpec:
        """Thresholds and stability rules as the engine's model (for ``tier_for`` / ``effective_tier``)."""
        return ModelSpec(
            version_id=0, category_weights=self.category_weights, signals=(), green=self.green, yellow=self.yellow,
            hold_days=self.hold_days, rapid_decline_points=self.rapid_points, rapid_decline_days=self.rapid_days,
        )


def contributions(components: dict, weights: ModelWeights) -> dict[str, float]:
    """Each signal's contribution (effective share × sub-score) under ``weights``."""
    present = []
    for sig in components.get("signals") or []:
        key, sub = sig.get("key"), sig.get("sub_score")
        w = weights.signal_weights.get(key, 0.0)
        cat = weights.signal_categories.get(key, sig.get("category"))
        if sub is None or w <= 0 or weights.category_weights.get(cat, 0.0) <= 0:
            continue
        present.append((key, cat, w, float(sub)))
    cat_sum: dict[str, float] = {}
    for _, cat, w, _ in present:
        cat_sum[cat] = cat_sum.get(cat, 0.0) + w
    total_w = sum(weights.category_weights[c] for c in cat_sum)
    return {key: weights.category_weights[c] / total_w * w / cat_sum[c] * s for key, c, w, s in present}


def rescore(components: dict, weights: ModelWeights) -> float | None:
    """The score these components would have under ``weights`` (None: no signal left)."""
    parts = contributions(components, weights)
    if not parts:
        return None
    raw = sum(parts.values())
    override = components.get("override")
    if override:
        if override.get("effect") == "cap":
            raw = min(raw, float(override["value"]))
        elif override.get("effect") == "penalty":
            raw = raw - float(override["value"])
    return round(min(max(raw, 0.0), 100.0), 2)


def replay_tiers(points: Iterable[tuple[date, float]], weights: ModelWeights) -> list[Day]:
    """Effective tiers over a daily score series, by the engine's own hysteresis.

    Each day goes through ``scoring.engine.effective_tier`` with the previous day's state
    and the peak of the last ``rapid_days`` days: a new raw tier takes effect once it has
    held ``hold_days`` days, or at once when it is worse during a rapid decline.
    """
    model = weights.spec()
    days: list[Day] = []
    prior: PriorState | None = None
    recent: deque[tuple[date, float]] = deque()
    for when, score in points:
        while recent and (when - recent[0][0]).days > model.rapid_decline_days:
            recent.popleft()
        history = History(peak=max((s for _, s in recent), default=None))
        recent.append((when, score))
        tier, since, pending, pending_since = effective_tier(
            raw_tier=tier_for(score, model), score=score, today=when, prior=prior, history=history, model=model
        )
        prior = PriorState(tier, since, pending, pending_since)
        days.append(Day(when, score, tier))
    return days


def rescore_timeline(series: Iterable[tuple[date, dict]], weights: ModelWeights) -> list[Day]:
    """A snapshot series (date, components) re-scored and re-tiered under ``weights``."""
    points = [(when, s) for when, comp in series if (s := rescore(comp, weights)) is not None]
    return replay_tiers(points, weights)
