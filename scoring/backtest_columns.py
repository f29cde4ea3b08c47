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
hysteresis per account: the rules of the engine's ``effective_tier`` in a loop over plain ints
(equal to ``replay_tiers``, which calls the engine: a test).

Rows are sorted by (account, day); ``day`` is a date ordinal (``date.toordinal()``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from scoring.backtest import DaySeries
from scoring.backtest_rescore import ModelWeights
from scoring.engine import GREEN, RED, YELLOW

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
    ``rescore(data.components(i), weights)`` for every row i.

    The sums run over whole columns in column order; the order of additions moves a sum by a
    few units in its 14th digit, which changes the score only when the sum sits on a rounding
    tie (…5 in the 3rd decimal) — those rows, ~0.5 % with integer weights, are summed again in
    their own order (``order``), as ``rescore`` sums them."""
    n, k = data.sub.shape
    cats: dict[str, int] = {}
    col_w, col_cat = np.zeros(k), np.full(k, -1)
    for j, key in enumerate(data.keys):
        w, cat = weights.signal_weights.get(key, 0.0), weights.signal_categories.get(key)
        if w > 0 and weights.category_weights.get(cat, 0.0) > 0:
            col_w[j], col_cat[j] = w, cats.setdefault(cat, len(cats))
    cat_w = np.array([float(weights.category_weights[c]) for c in cats] or [0.0])
    raw = _raw_in_column_order(data.sub, col_w, col_cat, cat_w)
    if data.order is not None:
        with np.errstate(invalid="ignore"):
            t = _adjusted(raw, data.override_effect, data.override_value) * 100
            ties = np.flatnonzero(np.abs(np.abs(t - np.rint(t)) - 0.5) < 1e-6)
        if len(ties):
            raw[ties] = _raw_in_row_order(data.sub[ties], data.order[ties], col_w, col_cat, cat_w)
    return round2(_adjusted(raw, data.override_effect, data.override_value))


def _adjusted(raw: np.ndarray, effect: np.ndarray, value: np.ndarray) -> np.ndarray:
    """The override (cap or penalty), then clipped to 0–100."""
    raw = np.where(effect == CAP, np.minimum(raw, value), raw)
    raw = np.where(effect == PENALTY, raw - value, raw)
    return np.minimum(np.maximum(raw, 0.0), 100.0)


def _raw_in_column_order(sub: np.ndarray, col_w, col_cat, cat_w) -> np.ndarray:
    """``rescore``'s sum before the override, its signals taken in column order."""
    n = len(sub)
    cat_sum = np.zeros((n, len(cat_w)))
    seen = np.zeros((n, len(cat_w)), dtype=bool)
    total = np.zeros(n)
    present = ~np.isnan(sub)
    for j in np.flatnonzero(col_cat >= 0).tolist():
        c, use = col_cat[j], present[:, j]
        total += np.where(use & ~seen[:, c], cat_w[c], 0.0)
        seen[:, c] |= use
        cat_sum[:, c] += np.where(use, col_w[j], 0.0)
    raw = np.zeros(n)
    with np.errstate(invalid="ignore", divide="ignore"):
        for j in np.flatnonzero(col_cat >= 0).tolist():
            c = col_cat[j]
            raw += np.where(present[:, j], cat_w[c] / total * col_w[j] / cat_sum[:, c] * sub[:, j], 0.0)
    return np.where(seen.any(axis=1), raw, np.nan)


def _raw_in_row_order(sub: np.ndarray, order: np.ndarray, col_w, col_cat, cat_w) -> np.ndarray:
    """The same sum, each row's signals taken in its own order (``order``), as ``rescore`` takes
    them: Σw per category and ΣW over the categories present, then the parts
    W_c / ΣW · w / Σw_c · s."""
    n = len(sub)
    rows = np.arange(n)

    def position(p: int):
        j = order[:, p]
        jj = np.where(j >= 0, j, 0)
        s = sub[rows, jj]
        c = col_cat[jj]
        use = (j >= 0) & (c >= 0) & ~np.isnan(s)
        return jj, s, np.where(use, c, 0), use

    cat_sum = np.zeros((n, len(cat_w)))
    seen = np.zeros((n, len(cat_w)), dtype=bool)
    total = np.zeros(n)
    for p in range(order.shape[1]):
        jj, _, c, use = position(p)
        total += np.where(use & ~seen[rows, c], cat_w[c], 0.0)
        seen[rows, c] |= use
        cat_sum[rows, c] += np.where(use, col_w[jj], 0.0)
    raw = np.zeros(n)
    with np.errstate(invalid="ignore", divide="ignore"):
        for p in range(order.shape[1]):
            jj, s, c, use = position(p)
            raw += np.where(use, cat_w[c] / total * col_w[jj] / cat_sum[rows, c] * s, 0.0)
    return np.where(seen.any(axis=1), raw, np.nan)


def round2(x: np.ndarray) -> np.ndarray:
    """``round(v, 2)`` of every value, as Python rounds: NumPy's ``round`` (×100, round half to
    even, ÷100) is the same except within a hair of a tie (…5), where Python rounds the exact
    binary value; those few go through ``round``. In blocks, so the temporaries stay small."""
    y = np.empty(len(x))
    block = 1 << 18
    with np.errstate(invalid="ignore"):
        for lo in range(0, len(x), block):
            t = x[lo : lo + block] * 100
            r = np.rint(t)
            y[lo : lo + block] = r / 100
            for i in (np.flatnonzero(np.abs(np.abs(t - r) - 0.5) < 1e-6) + lo).tolist():
                y[i] = round(float(x[i]), 2)
    return y


def raw_tier_codes(scores: np.ndarray, weights: ModelWeights) -> np.ndarray:
    return np.where(scores >= weights.green, 2, np.where(scores >= weights.yellow, 1, 0)).astype(np.int8)


def replay_columns(
    account: np.ndarray, day: np.ndarray, scores: np.ndarray, weights: ModelWeights
) -> np.ndarray:
    """Effective tier codes for rows sorted by (account, day), by the engine's hysteresis
    (``scoring.engine.effective_tier``, equal to ``backtest_rescore.replay_tiers``: a test).

    One tight loop over plain ints: a code is also the tier's rank, so a downgrade is a smaller
    code; the tier's "since" date decides nothing and is not kept. Per account, the first scored
    day takes its raw tier; then a raw tier equal to the effective one clears what was pending;
    a downgrade while the score sits ``rapid_points`` below the peak of the previous
    ``rapid_days`` days acts at once; any other new raw tier takes effect once it has held
    ``hold_days`` days (counted from the first day of its pending run)."""
    model = weights.spec()
    raw = raw_tier_codes(scores, weights)
    valid = np.flatnonzero(~np.isnan(scores))
    out = np.full(len(scores), -1, dtype=np.int8)
    accounts, days, codes, points = (account[valid].tolist(), day[valid].tolist(), raw[valid].tolist(),
                                     scores[valid].tolist())
    hold, rapid_days, rapid_points = model.hold_days, model.rapid_decline_days, model.rapid_decline_points
    tiers = [0] * len(valid)
    current, tier, pending, pending_since, first = None, -1, -1, 0, 0
    for k, acc in enumerate(accounts):
        code = codes[k]
        if acc != current:
            current, tier, pending, first = acc, code, -1, k
        elif code == tier:
            pending = -1
        else:
            today = days[k]
            if code < tier:  # a downgrade: at once during a rapid decline
                peak, lo = None, k - 1
                while lo >= first and today - days[lo] <= rapid_days:
                    if peak is None or points[lo] > peak:
                        peak = points[lo]
                    lo -= 1
                if peak is not None and peak - points[k] >= rapid_points:
                    tier, pending = code, -1
                    tiers[k] = tier
                    continue
            if pending != code:
                pending_since = today
            if today - pending_since + 1 >= hold:
                tier, pending = code, -1
            else:
                pending = code
        tiers[k] = tier
    out[valid] = tiers
    return out


def timelines_from_columns(account: np.ndarray, day: np.ndarray, scores: np.ndarray, tiers: np.ndarray) -> dict[int, DaySeries]:
    """The ``Timelines`` the pure backtest reads, one ``DaySeries`` per account (rows without a
    score left out)."""
    keep = tiers >= 0
    account, day, scores, tiers = account[keep], day[keep], scores[keep], tiers[keep]
    if not len(account):
        return {}
    first = int(day.min())
    dates = [date.fromordinal(first + k) for k in range(int(day.max()) - first + 1)]
    when = [dates[k] for k in (day - first).tolist()]
    names = [TIER_CODES[t] for t in tiers.tolist()]
    score_list = scores.tolist()
    cuts = np.flatnonzero(np.diff(account)) + 1
    bounds = zip(np.concatenate(([0], cuts)).tolist(), np.concatenate((cuts, [len(account)])).tolist(), strict=True)
    return {int(account[lo]): DaySeries(when[lo:hi], score_list[lo:hi], names[lo:hi]) for lo, hi in bounds}
