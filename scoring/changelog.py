"""Change-log wording: per-signal contribution deltas and a one-line summary. Pure (no ORM)."""

from __future__ import annotations

from collections.abc import Mapping

from scoring.engine import MINUS


def _short(label: str) -> str:
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def describe_change(*, before: Mapping | None, after: Mapping, from_score: float | None, to_score: float) -> tuple[list[dict], str]:
    """Per-signal contribution deltas (|delta| desc) and a summary like "−12: logins per week −8, open tickets −4"."""
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

    def signed(x: float) -> str:
        r = round(x)
        return f"+{r}" if r > 0 else (f"{MINUS}{-r}" if r < 0 else "0")

    move = to_score - (from_score if from_score is not None else to_score)
    parts = [f"{_short(d['label'])} {signed(d['delta'])}" for d in deltas[:3] if round(d["delta"])]
    summary = signed(move) + (": " + ", ".join(parts) if parts else "")
    return deltas, summary
