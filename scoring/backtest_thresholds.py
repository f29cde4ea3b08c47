"""Threshold calibration: yellow and red cut-offs suggested from a model's history (pure).

Inputs are the outcome cases of one model with their (re-scored) raw score 30 and 90 days
before the outcome. A score below the *red cut-off* (the version's yellow threshold) is
red; at or above the *green cut-off* (its green threshold) it is green.

- **Red cut-off**: sweep every cut-off c = 1 … 99; at T−30 an outcome case is flagged when
  its score < c. Recall(c) = flagged churned / churned; precision(c) = flagged churned /
  flagged cases. Suggested: among the cut-offs whose recall reaches ``target_recall``
  (70 % by default, about what a score's own latent truth reaches), the one with the best
  precision (the lowest such cut-off on ties). Nothing reaches it: the current one is kept.
- **Green cut-off**: the lowest g above the red cut-off from which the accounts renew at the
  guides' ≥ 85 % *at the margin*: the cases scoring in [g, g + ``BAND``) at T−90 renew at
  ≥ 85 % (at least ``MIN_COUNT`` of them), so the yellow band below it holds the accounts
  that renew less; none: kept. (A cumulative "≥ g" rate would put green right above red
  in any book that renews at 85 % overall.)
- The renewal rate per tier at T−90 under the current and the suggested cut-offs is shown
  beside the guides' targets (green ≥ 85 %, yellow 50–70 %, red < 30 %).

Raw scores, not effective tiers: the hold days delay a tier change by a few days, which the
preview of the draft shows (it replays the hysteresis).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from scoring.backtest import (
    CHURNED,
    EXPECTED_LABEL,
    EXPECTED_RENEWAL,
    GREEN,
    MIN_COUNT,
    RED,
    YELLOW,
    Figure,
)

TARGET_RECALL = 0.70
CALIBRATION_HORIZON = 30
RENEWAL_HORIZON = 90
MIN_CHURNED = 10
BAND = 10


@dataclass(frozen=True)
class CurvePoint:
    cutoff: int
    recall: float | None
    precision: float | None
    flagged: int
    hits: int


@dataclass
class ThresholdSuggestion:
    curve: list[CurvePoint]
    churned: int
    cases: int
    current_red: float
    current_green: float
    red: float
    green: float
    target_recall: float = TARGET_RECALL
    renewal_current: dict[str, dict] = field(default_factory=dict)
    renewal_suggested: dict[str, dict] = field(default_factory=dict)
    minimum: int = MIN_CHURNED

    @property
    def enough(self) -> bool:
        return self.churned >= self.minimum and self.cases - self.churned >= self.minimum

    @property
    def changed(self) -> bool:
        return (self.red, self.green) != (self.current_red, self.current_green)

    def point(self, cutoff: float) -> CurvePoint | None:
        return next((p for p in self.curve if p.cutoff == round(cutoff)), None)

    def as_dict(self) -> dict:
        def plain(rows: dict[str, dict]) -> dict:
            return {t: {"figure": r["figure"].as_dict(), "expected": r["expected"], "meets": r["meets"]} for t, r in rows.items()}

        return {
            "enough": self.enough, "churned": self.churned, "cases": self.cases,
            "target_recall": self.target_recall,
            "current": {"red_below": self.current_red, "green_from": self.current_green},
            "suggested": {"red_below": self.red, "green_from": self.green},
            "renewal_current": plain(self.renewal_current), "renewal_suggested": plain(self.renewal_suggested),
            "curve": [p.__dict__ for p in self.curve],
        }


def tier_of(score: float, red: float, green: float) -> str:
    return GREEN if score >= green else YELLOW if score >= red else RED


def renewal_per_tier(points: Sequence[tuple[float, str]], red: float, green: float) -> dict[str, dict]:
    """Renewal rate (not churned) per tier of (score, outcome kind) cases, beside the guides' range."""
    result = {}
    for tier in (GREEN, YELLOW, RED):
        kinds = [k for s, k in points if tier_of(s, red, green) == tier]
        fig = Figure(sum(k != CHURNED for k in kinds), len(kinds))
        lo, hi = EXPECTED_RENEWAL[tier]
        result[tier] = {"figure": fig, "expected": EXPECTED_LABEL[tier],
                        "meets": None if fig.value is None else lo <= fig.value <= hi}
    return result


def recall_precision_curve(points: Sequence[tuple[float, bool]]) -> list[CurvePoint]:
    """Recall and precision of "score < c" for churn, for every integer cut-off 1 … 99."""
    ordered = sorted(points)
    churned = sum(1 for _, c in ordered if c)
    curve, i, flagged, hits = [], 0, 0, 0
    for cutoff in range(1, 100):
        while i < len(ordered) and ordered[i][0] < cutoff:
            flagged += 1
            hits += ordered[i][1]
            i += 1
        curve.append(CurvePoint(
            cutoff, hits / churned if churned else None, hits / flagged if flagged else None, flagged, hits,
        ))
    return curve


def calibrate_thresholds(
    *,
    at_30: Sequence[tuple[float, bool]],
    at_90: Sequence[tuple[float, str]],
    current_red: float,
    current_green: float,
    target_recall: float = TARGET_RECALL,
    minimum: int = MIN_CHURNED,
) -> ThresholdSuggestion:
    """Suggested red and green cut-offs (see the module doc).

    ``at_30``: (score 30 days before, churned?) per outcome case; ``at_90``: (score 90 days
    before, outcome kind).
    """
    curve = recall_precision_curve(at_30)
    churned = sum(1 for _, c in at_30 if c)
    reaching = [p for p in curve if p.recall is not None and p.recall >= target_recall and p.precision is not None]
    red = float(max(reaching, key=lambda p: (p.precision, -p.cutoff)).cutoff) if reaching else current_red
    green = current_green
    for g in range(int(red) + 1, 101):
        band = [k for s, k in at_90 if g <= s < g + BAND]
        if len(band) >= MIN_COUNT and sum(k != CHURNED for k in band) / len(band) >= EXPECTED_RENEWAL[GREEN][0]:
            green = float(g)
            break
    if green <= red:  # the current green cut-off would sit below the new red one
        green = min(100.0, red + 1)
    return ThresholdSuggestion(
        curve=curve, churned=churned, cases=len(at_30), current_red=current_red, current_green=current_green,
        red=red, green=green, target_recall=target_recall,
        renewal_current=renewal_per_tier(at_90, current_red, current_green),
        renewal_suggested=renewal_per_tier(at_90, red, green),
        minimum=minimum,
    )


