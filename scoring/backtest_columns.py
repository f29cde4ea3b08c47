"""Columnar history for backtests at scale: one NumPy matrix of sub-scores per model.

``scoring.backtest_rescore`` re-scores one components dict at a time (≈ 10 µs each); a
year of 2,000 accounts is 730,000 of them. Here the same formula runs on whole columns:

    score = Σ_m W_c/ΣW · w_m/Σw_c · s_m

over the signals with a sub-score and a positive weight (a category with no present signal
drops out and the others renormalise, as in the engine), then the override (cap or
penalty), clipped to 0–100 and rounded to 2 decimals — the very floating-point operations of
``backtest_rescore.rescore``, in the same order (each row's own signal order, ``order``), so
the scores are equal to the last bit, not only close: a score on a threshold, or on a
rounding tie, lands where the reference puts it. ``replay_columns`` then replays the
hysteresis per account with the engine's own ``effective_tier``, called only on the days
whose raw tier differs from the effective one (on the others the engine's first branch —
same tier, pending cleared — is applied inline).

Rows are sorted by (account, day); ``day`` is a date ordinal (``date.toordinal()``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from scoring.backtest import Day
from scoring.backtest_rescore import ModelWeights
from scoring.engine import GREEN, RED, YELLOW, History, PriorState, effective_tier

TIER_CODES = (RED, YELLOW, GREEN)  # code = index: 0 red, 1 yellow, 2 green
NO_OVERRIDE, CAP, PENALTY = 0, 1, 2


@dataclass
class SubScores:
    """Sub-scores of one model's snapshots: ``sub[i, j]`` for row i and signal ``keys[j]`` (NaN: none)."""

    keys: list[str]
    account: np.ndarray  # int64, sorted with day
    day: np.ndarray  # int64 date ordinals
    sub: np.ndarray  # float64 (rows × keys)
    override_effect: np.ndarray  # int8: NO_OVERRIDE, CAP, PENALTY
    override_value: np.ndarray  # float64
    # Each row's signals in their stored order (column indices, −1 past the row's last signal);
    # None: every row in column order. The sums run in this order, as ``rescore`` runs them.
    order: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.account)

    def accounts(self) -> dict[int, tuple[int, int]]:
        """account id → (first row, end row)."""
        if not len(self.account):
            return {}
        cuts = np.flatnonzero(np.diff(self.account)) + 1
        starts = np.concatenate(([0], cuts))
        ends = np.concatenate((cuts, [len(self.account)]))
        return {int(self.account[s]): (int(s), int(e)) for s, e in zip(starts, ends, strict=True)}

    def row_on(self, bounds: tuple[int, int], when: date, tolerance: int = 7) -> int | None:
        """The row dated ``when`` or the latest one at most ``tolerance`` days before it."""
        lo, hi = bounds
        target = when.toordinal()
        i = int(np.searchsorted(self.day[lo:hi], target, side="right")) + lo
        if i == lo:
            return None
        return i - 1 if target - int(self.day[i - 1]) <= tolerance else None

    def components(self, row: int) -> dict:
        """Row ``row`` as the components dict that ``scoring.backtest_rescore`` reads."""
        columns = range(len(self.keys)) if self.order is None else [j for j in self.order[row].tolist() if j >= 0]
        signals = [{"key": self.keys[j], "sub_score": None if np.isnan(v := self.sub[row, j]) else float(v)} for j in columns]
        effect = int(self.override_effect[row])
        override = None if effect == NO_OVERRIDE else {
            "effect": "cap" if effect == CAP else "penalty", "value": float(self.override_value[row])
        }
        return {"signals": signals, "override": override}


def rescore_columns(data: SubScores, weights: ModelWeights) -> np.ndarray:
    """Every row's score under ``weights`` (NaN where no weighted signal has a sub-score), equal to
    ``rescore(data.components(i), weights)`` for every row i."""
    n, k = data.sub.shape
    cats: dict[str, int] = {}
    col_w, col_cat = np.zeros(k), np.full(k, -1)
    for j, key in enumerate(data.keys):
        w, cat = weights.signal_weights.get(key, 0.0), weights.signal_categories.get(key)
        if w > 0 and weights.category_weights.get(cat, 0.0) > 0:
            col_w[j], col_cat[j] = w, cats.setdefault(cat, len(cats))
    cat_w = np.array([float(weights.category_weights[c]) for c in cats] or [0.0])
    order = np.broadcast_to(np.arange(k), (n, k)) if data.order is None else data.order
    rows = np.arange(n)

    def position(p: int):
        j = order[:, p]
        jj = np.where(j >= 0, j, 0)
        sub = data.sub[rows, jj]
        c = col_cat[jj]
        use = (j >= 0) & (c >= 0) & ~np.isnan(sub)
        return jj, sub, np.where(use, c, 0), use

    # rescore's first pass: Σw per category and ΣW over the categories present, in the row's order.
    cat_sum = np.zeros((n, len(cat_w)))
    seen = np.zeros((n, len(cat_w)), dtype=bool)
    total = np.zeros(n)
    for p in range(order.shape[1]):
        jj, _, c, use = position(p)
        total += np.where(use & ~seen[rows, c], cat_w[c], 0.0)
        seen[rows, c] |= use
        cat_sum[rows, c] += np.where(use, col_w[jj], 0.0)
    # Second pass: each part W_c / ΣW · w / Σw_c · s, summed in the same order.
    raw = np.zeros(n)
    with np.errstate(invalid="ignore", divide="ignore"):
        for p in range(order.shape[1]):
            jj, sub, c, use = position(p)
            raw += np.where(use, cat_w[c] / total * col_w[jj] / cat_sum[rows, c] * sub, 0.0)
    raw = np.where(seen.any(axis=1), raw, np.nan)
    raw = np.where(data.override_effect == CAP, np.minimum(raw, data.override_value), raw)
    raw = np.where(data.override_effect == PENALTY, raw - data.override_value, raw)
    return round2(np.minimum(np.maximum(raw, 0.0), 100.0))


def round2(x: np.ndarray) -> np.ndarray:
    """``round(v, 2)`` of every value, as Python rounds: NumPy's ``round`` (×100, round, ÷100) is
    the same except within a hair of a tie (…5), where Python rounds the exact binary value."""
    y = np.round(x, 2)
    with np.errstate(invalid="ignore"):
        t = x * 100
        near = np.abs(t - np.floor(t) - 0.5) < 1e-6
    for i in np.flatnonzero(near).tolist():
        y[i] = round(float(x[i]), 2)
    return y


def raw_tier_codes(scores: np.ndarray, weights: ModelWeights) -> np.ndarray:
    return np.where(scores >= weights.green, 2, np.where(scores >= weights.yellow, 1, 0)).astype(np.int8)


def replay_columns(
    account: np.ndarray, day: np.ndarray, scores: np.ndarray, weights: ModelWeights
) -> np.ndarray:
    """Effective tier codes for rows sorted by (account, day), by the engine's hysteresis."""
    model = weights.spec()
    raw = raw_tier_codes(scores, weights)
    out = np.empty(len(scores), dtype=np.int8)
    valid = ~np.isnan(scores)
    days_list, raw_list, score_list, valid_list = day.tolist(), raw.tolist(), scores.tolist(), valid.tolist()
    acc_list = account.tolist()
    rapid = model.rapid_decline_days
    prior: PriorState | None = None
    current = None
    first_row = 0
    for i, acc in enumerate(acc_list):
        if acc != current:
            current, prior, first_row = acc, None, i
        if not valid_list[i]:
            out[i] = -1
            continue
        tier_code = raw_list[i]
        if prior is not None and TIER_CODES[tier_code] == prior.tier:
            # The engine's first branch: the tier holds, nothing pending.
            if prior.pending_tier:
                prior = PriorState(prior.tier, prior.tier_since, "", None)
            out[i] = tier_code
            continue
        today = date.fromordinal(days_list[i])
        peak = None
        if prior is not None:
            lo = i - 1
            while lo >= first_row and days_list[i] - days_list[lo] <= rapid:
                if valid_list[lo] and (peak is None or score_list[lo] > peak):
                    peak = score_list[lo]
                lo -= 1
        tier, since, pending, pending_since = effective_tier(
            raw_tier=TIER_CODES[tier_code], score=score_list[i], today=today, prior=prior,
            history=History(peak=peak), model=model,
        )
        prior = PriorState(tier, since, pending, pending_since)
        out[i] = TIER_CODES.index(tier)
    return out


def timelines_from_columns(account: np.ndarray, day: np.ndarray, scores: np.ndarray, tiers: np.ndarray) -> dict[int, list[Day]]:
    """The plain ``Timelines`` the pure backtest reads (rows without a score left out)."""
    timelines: dict[int, list[Day]] = {}
    for acc, d, s, t in zip(account.tolist(), day.tolist(), scores.tolist(), tiers.tolist(), strict=True):
        if t < 0:
            continue
        timelines.setdefault(acc, []).append(Day(date.fromordinal(d), s, TIER_CODES[t]))
    return timelines
