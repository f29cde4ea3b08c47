"""Change-log wording: per-signal contribution deltas and a one-line summary. Pure (no ORM)."""

from __future__ import annotations

import math
from collections.abc import Mapping

from scoring.engine import MINUS, TIER_RANK


def _short(label: str) -> str:
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def score_text(score: float) -> str:
    """A score as shown everywhere (playbooks.templatetags.hs_ui.score_label): rounded down, so the
    number never reaches a threshold the score has not (49.7 is red and reads 49, not 50)."""
    return str(math.floor(score + 1e-9))


def _signed(x: float) -> str:
    r = round(x)
    return f"+{r}" if r > 0 else (f"{MINUS}{-r}" if r < 0 else "0")


def tier_reason(
    *, from_tier: str, to_tier: str, to_score: float, hold_days: int, decline: float | None, decline_days: int
) -> str:
    """Why the effective tier changed: a rapid decline acts at once, anything else held ``hold_days``.

    "Rapid decline: −23 in 30 days, tier yellow → red" / "Tier red → yellow after holding 7 days (score 53)".
    """
    arrow = f"{from_tier} \u2192 {to_tier}"
    if decline is not None and TIER_RANK[to_tier] < TIER_RANK[from_tier]:
        return f"Rapid decline: {_signed(decline)} in {decline_days} days, tier {arrow}"
    held = f" after holding {hold_days} days" if hold_days > 1 else ""
    return f"Tier {arrow}{held} (score {score_text(to_score)})"


def describe_change(
    *, before: Mapping | None, after: Mapping, from_score: float | None, to_score: float,
    from_tier: str = "", to_tier: str = "", hold_days: int = 1, decline: float | None = None, decline_days: int = 30,
) -> tuple[list[dict], str]:
    """Per-signal contribution deltas (|delta| desc) and a summary like "−12: logins per week −8, open tickets −4".

    An account's first score (``from_score`` None) reads "First score: 42 (red)" with no deltas; a tier
    change leads with its reason (``tier_reason``), followed by what moved, if anything did.
    """
    if from_score is None:
        return [], f"First score: {score_text(to_score)} ({to_tier})" if to_tier else f"First score: {score_text(to_score)}"
    old = {s["key"]: s for s in (before or {}).get("signals", [])}
    deltas = []
    for s in after.get("signals", []):
        delta = round(s["contribution"] - old.get(s["key"], {}).get("contribution", 0.0), 2)
        if abs(delta) > 0.011:  # a cent is rounding jitter between the contributions
            deltas.append({"signal": s["key"], "label": s["label"], "delta": delta})
    old_ov = ((before or {}).get("override") or {}).get("points", 0.0)
    new_ov = (after.get("override") or {}).get("points", 0.0)
    if round(new_ov - old_ov, 2):
        label = (after.get("override") or (before or {}).get("override") or {}).get("reason_label", "Override")
        deltas.append({"signal": "override", "label": label, "delta": round(new_ov - old_ov, 2)})
    deltas.sort(key=lambda d: (-abs(d["delta"]), d["signal"]))
    return deltas, summary_of(deltas, from_score=from_score, to_score=to_score, from_tier=from_tier, to_tier=to_tier,
                              hold_days=hold_days, decline=decline, decline_days=decline_days)


def summary_of(
    deltas: list[dict], *, from_score: float, to_score: float, from_tier: str = "", to_tier: str = "",
    hold_days: int = 1, decline: float | None = None, decline_days: int = 30,
) -> str:
    """The one-line summary of a move whose per-signal deltas are known (sorted, |delta| desc)."""
    parts = [f"{_short(d['label'])} {_signed(d['delta'])}" for d in deltas[:3] if round(d["delta"])]
    moved = _signed(to_score - from_score) + (": " + ", ".join(parts) if parts else "")
    if from_tier and to_tier and from_tier != to_tier:
        why = tier_reason(from_tier=from_tier, to_tier=to_tier, to_score=to_score, hold_days=hold_days,
                          decline=decline, decline_days=decline_days)
        return why + (f"; {moved}" if parts else "")
    return moved


def deltas_merge(earlier: list[dict], later: list[dict]) -> list[dict]:
    """Per-signal deltas of two moves in a row, added up (a day's entry extended by a later move)."""
    out: dict[str, dict] = {}
    for d in [*earlier, *later]:
        got = out.setdefault(d["signal"], {"signal": d["signal"], "label": d["label"], "delta": 0.0})
        got["delta"] = round(got["delta"] + d["delta"], 2)
        got["label"] = d["label"]
    merged = [d for d in out.values() if abs(d["delta"]) > 0.011]
    merged.sort(key=lambda d: (-abs(d["delta"]), d["signal"]))
    return merged
