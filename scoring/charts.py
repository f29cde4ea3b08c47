"""Server-side SVG charts: an account's score history and tier-share bars.

Plain strings built from escaped values, returned as safe HTML for inline use
(no JavaScript, works offline, printable). Geometry is kept in small pure
functions so tests can map a point back to its score.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

TIER_COLOURS = {"green": "#1f9d55", "yellow": "#d69e2e", "red": "#d64545"}
TIER_ORDER = ("green", "yellow", "red")


@dataclass(frozen=True)
class HistoryPoint:
    date: dt.date
    score: float
    tier: str
    version: int  # model version number
    version_id: int
    green: float  # thresholds of that version
    yellow: float
    override_active: bool = False


@dataclass(frozen=True)
class Frame:
    """Plot area inside the SVG, in SVG units."""

    width: int = 760
    height: int = 230
    left: int = 34
    right: int = 10
    top: int = 10
    bottom: int = 26

    @property
    def plot_w(self) -> float:
        return self.width - self.left - self.right

    @property
    def plot_h(self) -> float:
        return self.height - self.top - self.bottom

    def y(self, score: float) -> float:
        return round(self.top + (100 - max(0.0, min(100.0, score))) / 100 * self.plot_h, 2)

    def score_at(self, y: float) -> float:
        """Inverse of :meth:`y` (for tests)."""
        return 100 - (y - self.top) / self.plot_h * 100

    def x(self, day: dt.date, first: dt.date, last: dt.date) -> float:
        span = max(1, (last - first).days)
        return round(self.left + (day - first).days / span * self.plot_w, 2)


def _label(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def _runs(points: list[HistoryPoint], key) -> list[tuple[int, int]]:
    """Index ranges [start, end] of consecutive points sharing ``key``."""
    runs, start = [], 0
    for i in range(1, len(points) + 1):
        if i == len(points) or key(points[i]) != key(points[start]):
            runs.append((start, i - 1))
            start = i
    return runs


def history_chart(points: list[HistoryPoint], *, frame: Frame | None = None) -> SafeString:
    """Score line over tier bands, version-change and override markers, a hover title per day."""
    f = frame or Frame()
    if not points:
        return mark_safe('<p class="muted">No score history yet.</p>')
    first, last = points[0].date, points[-1].date

    def x(day: dt.date) -> float:
        return f.x(day, first, last)

    def edge(i: int) -> float:
        """Left edge of point i's slot: halfway to the previous point."""
        if i == 0:
            return f.left
        return round((x(points[i - 1].date) + x(points[i].date)) / 2, 2)

    def right_edge(i: int) -> float:
        return f.left + f.plot_w if i == len(points) - 1 else edge(i + 1)

    parts = [
        f'<svg class="chart history" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {f.width} {f.height}" '
        f'role="img" aria-label="Health score history">'
    ]
    # Tier bands, per run of one model version (thresholds can change with the version).
    for start, end in _runs(points, lambda p: p.version_id):
        p = points[start]
        x0, x1 = edge(start), right_edge(end)
        bands = (("green", 100, p.green), ("yellow", p.green, p.yellow), ("red", p.yellow, 0))
        for tier, hi, lo in bands:
            parts.append(
                f'<rect class="band band-{tier}" x="{x0}" y="{f.y(hi)}" width="{round(x1 - x0, 2)}" '
                f'height="{round(f.y(lo) - f.y(hi), 2)}" fill="{TIER_COLOURS[tier]}" fill-opacity="0.09"/>'
            )
    # Grid and axis labels.
    for value in (0, 25, 50, 75, 100):
        parts.append(
            f'<line class="grid" x1="{f.left}" x2="{f.left + f.plot_w}" y1="{f.y(value)}" y2="{f.y(value)}" '
            f'stroke="#d5dbe3" stroke-width="0.6"/>'
            f'<text x="{f.left - 6}" y="{f.y(value) + 4}" text-anchor="end" class="axis">{value}</text>'
        )
    ticks = sorted({0, len(points) // 2, len(points) - 1})
    for i in ticks:
        anchor = "start" if i == 0 else ("end" if i == len(points) - 1 else "middle")
        parts.append(
            f'<text x="{x(points[i].date)}" y="{f.height - 8}" text-anchor="{anchor}" class="axis">'
            f"{escape(_label(points[i].date))}</text>"
        )
    # Overrides: a shaded strip over the days an override was active.
    for start, end in _runs(points, lambda p: p.override_active):
        if not points[start].override_active:
            continue
        x0, x1 = edge(start), right_edge(end)
        title = f"Override active {_label(points[start].date)} – {_label(points[end].date)}"
        parts.append(
            f'<rect class="marker-override" x="{x0}" y="{f.top}" width="{round(x1 - x0, 2)}" height="{round(f.plot_h, 2)}" '
            f'fill="#6b46c1" fill-opacity="0.08"><title>{escape(title)}</title></rect>'
        )
    # Model version changes: a dashed vertical line where the version differs from the day before.
    for i in range(1, len(points)):
        if points[i].version_id != points[i - 1].version_id:
            xi = x(points[i].date)
            title = f"Model v{points[i].version} from {_label(points[i].date)}"
            parts.append(
                f'<line class="marker-version" x1="{xi}" x2="{xi}" y1="{f.top}" y2="{f.top + f.plot_h}" '
                f'stroke="#2b6cb0" stroke-width="1.2" stroke-dasharray="4 3"><title>{escape(title)}</title></line>'
                f'<text x="{xi + 3}" y="{f.top + 11}" class="axis version-label">v{points[i].version}</text>'
            )
    coords = " ".join(f"{x(p.date)},{f.y(p.score)}" for p in points)
    parts.append(
        f'<polyline class="score-line" points="{coords}" fill="none" stroke="#1d2430" stroke-width="1.8" '
        f'stroke-linejoin="round"/>'
    )
    radius = 2.2 if len(points) <= 120 else 1.4
    for p in points:
        title = f"{_label(p.date)}: {p.score:.1f} ({p.tier})" + (" · override" if p.override_active else "")
        parts.append(
            f'<circle class="point" cx="{x(p.date)}" cy="{f.y(p.score)}" r="{radius}" fill="{TIER_COLOURS.get(p.tier, "#555")}" '
            f'data-date="{p.date.isoformat()}" data-score="{p.score:.1f}"><title>{escape(title)}</title></circle>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def tier_share_bars(series: list[dict], *, measure: str, title: str) -> SafeString:
    """One horizontal stacked bar per period: the share of each tier (``measure``: "share" or "arr_share")."""
    row_h, gap, label_w, width = 22, 8, 74, 560
    bar_w = width - label_w - 8
    height = len(series) * (row_h + gap) + 4
    parts = [
        f'<svg class="chart bars" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}">'
    ]
    for row_index, period in enumerate(series):
        y = row_index * (row_h + gap) + 2
        parts.append(f'<text x="0" y="{y + 15}" class="axis">{escape(period["label"])}</text>')
        if not period["total"]:
            parts.append(
                f'<rect x="{label_w}" y="{y}" width="{bar_w}" height="{row_h}" fill="#eef1f5"/>'
                f'<text x="{label_w + 8}" y="{y + 15}" class="axis">no snapshots</text>'
            )
            continue
        x = float(label_w)
        for cell in period["tiers"]:
            share = float(cell[measure])
            w = round(share * bar_w, 2)
            if w <= 0:
                continue
            tip = f'{period["label"]} · {cell["tier"]}: {share * 100:.0f}% ({cell["count"]} accounts)'
            parts.append(
                f'<rect class="bar bar-{cell["tier"]}" x="{round(x, 2)}" y="{y}" width="{w}" height="{row_h}" '
                f'fill="{TIER_COLOURS[cell["tier"]]}" data-share="{share:.4f}"><title>{escape(tip)}</title></rect>'
            )
            if w >= 34:
                parts.append(
                    f'<text x="{round(x + w / 2, 2)}" y="{y + 15}" text-anchor="middle" class="bar-label">{share * 100:.0f}%</text>'
                )
            x += w
    parts.append("</svg>")
    return mark_safe("".join(parts))
