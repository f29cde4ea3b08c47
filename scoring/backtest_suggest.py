"""Suggested weights from outcomes: a fitted model, and the guides' frequency method.

Pure functions over plain data (``scoring.validation`` feeds them from the database).

*Fitted* (the suggestion shown first): a regularised logistic regression of churn on the
signals' sub-scores 90 days before each outcome (churned vs renewed/expanded accounts),
constrained to non-negative weights (a signal whose higher sub-score goes with *more*
churn is dropped and the rest refitted), so the suggestion is a health score like any
other: share_k ∝ −β_k. The held-out figure is the cross-validated ROC AUC of the fitted
weights (each fold scored with weights fitted on the other folds, the engine's own
re-scoring) beside the AUC of the current weights on the same cases.

*Frequency* (the explainable fallback): the seed guides' "go back ninety days before the
cancellation date, count how often each signal was already deteriorating across churned
accounts, assign weights proportionally to frequency", with the retained accounts' rate as
the baseline so a signal that falls for everyone earns nothing: strength = max(share of
churned − share of retained accounts where it deteriorated, 0), share = strength / Σ. A
signal that never fell gets no weight (there is no floor): with no retained accounts the
guide's worked example "12 of 15 vs 4 of 15" gives exactly 75 % / 25 %.

Minimum evidence (both methods): ``MIN_CHURNED`` (10) churned and ``MIN_RETAINED`` (10)
retained accounts with history, the low end of the guides' "last ten to fifteen churned
accounts".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from scoring.backtest import roc_auc
from scoring.backtest_rescore import ModelWeights, rescore

DETERIORATION_POINTS = 10.0  # a sub-score drop of at least this many points counts
SUGGEST_FROM_DAYS = 90
SUGGEST_TO_DAYS = 14
MIN_CHURNED = 10
MIN_RETAINED = 10
FOLDS = 5
REGULARISATION_C = 1.0  # inverse L2 strength on sub-scores scaled to 0–1
SEED = 0


@dataclass
class SignalEvidence:
    key: str
    churned_deteriorated: int = 0
    churned_total: int = 0
    retained_deteriorated: int = 0
    retained_total: int = 0
    current_share: float = 0.0
    suggested_share: float = 0.0
    fitted_share: float | None = None

    @property
    def churned_rate(self) -> float:
        return (self.churned_deteriorated + 1) / (self.churned_total + 2)

    @property
    def retained_rate(self) -> float:
        return (self.retained_deteriorated + 1) / (self.retained_total + 2)

    @property
    def excess(self) -> float:
        """Share of churned minus share of retained accounts where it deteriorated (−1..1)."""
        churned = self.churned_deteriorated / self.churned_total if self.churned_total else 0.0
        retained = self.retained_deteriorated / self.retained_total if self.retained_total else 0.0
        return churned - retained

    @property
    def lift(self) -> float:
        """How many times more often the signal deteriorated before churn (Laplace-smoothed)."""
        return self.churned_rate / self.retained_rate

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "churned_deteriorated": self.churned_deteriorated,
            "churned_total": self.churned_total,
            "retained_deteriorated": self.retained_deteriorated,
            "retained_total": self.retained_total,
            "lift": round(self.lift, 3),
            "excess": round(self.excess, 4),
            "current_share": round(self.current_share, 4),
            "suggested_share": round(self.suggested_share, 4),
            "fitted_share": None if self.fitted_share is None else round(self.fitted_share, 4),
        }


@dataclass
class Fit:
    """The fitted weights and their held-out evidence."""

    shares: dict[str, float]
    cv_auc: float | None  # out-of-fold ROC AUC of the fitted weights
    current_auc: float | None  # ROC AUC of the current weights on the same cases
    cases: int
    folds: int

    def as_dict(self) -> dict:
        return {
            "shares": {k: round(v, 4) for k, v in self.shares.items()},
            "cv_auc": None if self.cv_auc is None else round(self.cv_auc, 4),
            "current_auc": None if self.current_auc is None else round(self.current_auc, 4),
            "cases": self.cases,
            "folds": self.folds,
        }


@dataclass
class Suggestion:
    signals: list[SignalEvidence] = field(default_factory=list)
    churned_cases: int = 0
    retained_cases: int = 0
    minimum: int = MIN_CHURNED
    minimum_retained: int = MIN_RETAINED
    fit: Fit | None = None

    @property
    def enough(self) -> bool:
        return self.churned_cases >= self.minimum and self.retained_cases >= self.minimum_retained

    @property
    def method(self) -> str:
        """Which weights a draft takes: the fitted ones when they exist, else the frequency ones."""
        return "fitted" if self.fit is not None else "frequency"

    def shares(self, method: str | None = None) -> dict[str, float]:
        if (method or self.method) == "fitted" and self.fit is not None:
            return dict(self.fit.shares)
        return {s.key: s.suggested_share for s in self.signals}


def deteriorated(before: float | None, after: float | None, points: float = DETERIORATION_POINTS) -> bool | None:
    """True when the sub-score fell by at least ``points``; None without both values."""
    if before is None or after is None:
        return None
    return after <= before - points


def suggest_weights(
    cases: Iterable[tuple[bool, dict[str, tuple[float | None, float | None]]]],
    current_shares: dict[str, float],
    *,
    minimum: int = MIN_CHURNED,
    minimum_retained: int = MIN_RETAINED,
) -> Suggestion:
    """The frequency method (see the module doc).

    ``cases``: one per outcome, (churned?, {signal key: (sub-score 90 days before,
    sub-score 14 days before)}). No positive strength anywhere: current shares kept.
    """
    evidence = {key: SignalEvidence(key, current_share=share) for key, share in current_shares.items()}
    churned = retained = 0
    for is_churn, subs in cases:
        churned += is_churn
        retained += not is_churn
        for key, ev in evidence.items():
            flag = deteriorated(*subs.get(key, (None, None)))
            if flag is None:
                continue
            if is_churn:
                ev.churned_total += 1
                ev.churned_deteriorated += flag
            else:
                ev.retained_total += 1
                ev.retained_deteriorated += flag
    suggestion = Suggestion(list(evidence.values()), churned, retained, minimum, minimum_retained)
    strengths = {key: max(ev.excess, 0.0) for key, ev in evidence.items()}
    total = sum(strengths.values())
    for key, ev in evidence.items():
        ev.suggested_share = strengths[key] / total if total > 0 else ev.current_share
    suggestion.signals.sort(key=lambda ev: (-ev.suggested_share, ev.key))
    return suggestion


def weights_from_shares(shares: dict[str, float], like: ModelWeights) -> ModelWeights:
    """A ModelWeights whose effective shares are ``shares`` (categories = sums of their signals)."""
    categories: dict[str, float] = {}
    for key, share in shares.items():
        cat = like.signal_categories[key]
        categories[cat] = categories.get(cat, 0.0) + share
    return ModelWeights(
        category_weights=categories, signal_weights=dict(shares), signal_categories=like.signal_categories,
        green=like.green, yellow=like.yellow, hold_days=like.hold_days, rapid_points=like.rapid_points,
        rapid_days=like.rapid_days,
    )


def _matrix(components: Sequence[dict], keys: list[str]):
    """Sub-scores (0–1) per case and signal; a missing one takes its column's mean."""
    import numpy as np

    x = np.full((len(components), len(keys)), np.nan)
    index = {k: j for j, k in enumerate(keys)}
    for i, comp in enumerate(components):
        for sig in comp.get("signals") or []:
            j = index.get(sig.get("key"))
            if j is not None and sig.get("sub_score") is not None:
                x[i, j] = float(sig["sub_score"]) / 100
    means = np.nanmean(np.where(np.isnan(x).all(axis=0), 0.5, x), axis=0) if len(x) else np.zeros(len(keys))
    return np.where(np.isnan(x), means, x)


def _fit_shares(x, y, keys: list[str], c: float = REGULARISATION_C) -> dict[str, float]:
    """Non-negative shares ∝ −β of an L2 logistic regression; refit without positive-β signals."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    active = list(range(len(keys)))
    coef = np.zeros(len(keys))
    while active:
        model = LogisticRegression(C=c, max_iter=1000)
        model.fit(x[:, active], y)
        beta = model.coef_[0]
        coef = np.zeros(len(keys))
        coef[active] = beta
        keep = [j for j, b in zip(active, beta, strict=True) if b < 0]
        if len(keep) == len(active):
            break
        active = keep
    strength = np.clip(-coef, 0, None)
    total = strength.sum()
    if total <= 0:
        return {}
    return {k: float(strength[j] / total) for j, k in enumerate(keys)}


def fit_weights(
    cases: Sequence[tuple[bool, dict]],
    current: ModelWeights,
    *,
    folds: int = FOLDS,
    minimum: int = MIN_CHURNED,
    minimum_retained: int = MIN_RETAINED,
    seed: int = SEED,
) -> Fit | None:
    """Weights fitted on (churned?, components 90 days before the outcome) cases; None when
    there is too little evidence or nothing protective to fit."""
    import numpy as np
    from sklearn.model_selection import StratifiedKFold

    keys = sorted(current.signal_weights)
    y = np.array([bool(churn) for churn, _ in cases])
    if y.sum() < minimum or (~y).sum() < minimum_retained or not keys:
        return None
    comps = [comp for _, comp in cases]
    x = _matrix(comps, keys)
    shares = _fit_shares(x, y, keys)
    if not shares:
        return None
    folds = max(2, min(folds, int(y.sum()), int((~y).sum())))
    held_out: list[tuple[float, bool]] = []
    for train, test in StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(x, y):
        fold_shares = _fit_shares(x[train], y[train], keys)
        if not fold_shares:
            continue
        weights = weights_from_shares(fold_shares, current)
        held_out += [(s, bool(y[i])) for i in test if (s := rescore(comps[i], weights)) is not None]
    current_scores = [(s, bool(churn)) for churn, comp in cases if (s := rescore(comp, current)) is not None]
    return Fit(
        shares=shares,
        cv_auc=roc_auc(held_out).value,
        current_auc=roc_auc(current_scores).value,
        cases=len(cases),
        folds=folds,
    )
