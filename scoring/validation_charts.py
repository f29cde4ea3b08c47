"""Small server-rendered SVG charts for the Validation page (no JavaScript, no library)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from scoring.backtest import Figure, LeadTimes

WIDTH, HEIGHT = 560, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 10, 14, 40


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: no bar (too few), the note says why
    note: str = ""
    muted: bool = False


def bar_chart(
    bars: list[Bar],
    *,
    max_value: float,
    title: str,
    y_format=lambda v: f"{v:g}",
    references: tuple[tuple[float, str], ...] = (),
) -> SafeString:
    """A vertical bar chart as inline SVG, with y gridlines and dashed reference lines."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    max_value = max_value or 1
    step = plot_w / max(len(bars), 1)

    def y(v: float) -> float:
        return TOP + plot_h - plot_h * min(v, max_value) / max_value

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i in range(5):
        v = max_value * i / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#e3e7ed"/>'
            f'<text x="{LEFT - 6}" y="{y(v) + 4:.1f}" font-size="10" text-anchor="end" fill="#5f6b7a">'
            f"{escape(y_format(v))}</text>"
        )
    for value, label in references:
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            f'stroke="#2b6cb0" stroke-dasharray="4 3"/>'
            f'<text x="{WIDTH - RIGHT - 2}" y="{y(value) - 3:.1f}" font-size="10" text-anchor="end" '
            f'fill="#2b6cb0">{escape(label)}</text>'
        )
    for i, bar in enumerate(bars):
        x = LEFT + i * step
        cx = x + step / 2
        if bar.value is not None:
            top = y(bar.value)
            fill = "#c8d0da" if bar.muted else "#2b6cb0"
            parts.append(
                f'<rect x="{x + step * 0.15:.1f}" y="{top:.1f}" width="{step * 0.7:.1f}" '
                f'height="{TOP + plot_h - top:.1f}" fill="{fill}"><title>{escape(bar.label)}: '
                f"{escape(bar.note)}</title></rect>"
            )
        parts.append(
            f'<text x="{cx:.1f}" y="{HEIGHT - BOTTOM + 14}" font-size="10" text-anchor="middle">{escape(bar.label)}</text>'
            f'<text x="{cx:.1f}" y="{HEIGHT - BOTTOM + 27}" font-size="9" text-anchor="middle" fill="#5f6b7a">'
            f"{escape(bar.note)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every interpolated text is escaped above


def renewal_band_chart(bands: list[dict]) -> SafeString:
    """Renewal rate per score band; bands with too few outcomes show no bar, only their count."""
    bars = []
    for band in bands:
        fig: Figure = band["figure"]
        label = f"{band['low']}–{band['high']}"
        if fig.enough:
            bars.append(Bar(label, 100 * fig.value, f"{100 * fig.value:.0f}% n={fig.denominator}"))
        else:
            bars.append(Bar(label, None, f"n={fig.denominator}", muted=True))
    return bar_chart(
        bars,
        max_value=100,
        title="Renewal rate per score band, 90 days before the outcome",
        y_format=lambda v: f"{v:.0f}%",
        references=((85, "green ≥ 85%"), (30, "red < 30%")),
    )


def lead_time_histogram(lead: LeadTimes) -> SafeString:
    """Churned accounts per lead-time bucket (days from turning red to churn)."""
    buckets = lead.buckets()
    bars = [Bar(label, n, str(n)) for label, n in buckets] + [Bar("never red", lead.no_warning, str(lead.no_warning), muted=True)]
    top = max([n for _, n in buckets] + [lead.no_warning, 1])
    return bar_chart(bars, max_value=top, title="Days between turning red and churning", y_format=lambda v: f"{v:.0f}")


def threshold_curve_chart(suggestion) -> SafeString:
    """Recall and precision of "red at T−30" against the red cut-off, with the current and
    the suggested cut-offs as vertical lines and the target recall as a dashed line."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    title = "Red cut-off: recall and precision 30 days before the outcome"

    def x(cut: float) -> float:
        return LEFT + plot_w * cut / 100

    def y(v: float) -> float:
        return TOP + plot_h - plot_h * v

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
    ]
    for i in range(5):
        v = i / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#e3e7ed"/>'
            f'<text x="{LEFT - 6}" y="{y(v) + 4:.1f}" font-size="10" text-anchor="end" fill="#5f6b7a">{100 * v:.0f}%</text>'
        )
    for cut in range(0, 101, 10):
        parts.append(f'<text x="{x(cut):.1f}" y="{HEIGHT - BOTTOM + 14}" font-size="10" text-anchor="middle">{cut}</text>')
    parts.append(f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 6}" font-size="10" text-anchor="middle" '
                 f'fill="#5f6b7a">red below this score</text>')
    target = suggestion.target_recall
    parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(target):.1f}" y2="{y(target):.1f}" '
                 f'stroke="#9aa5b1" stroke-dasharray="4 3"/><text x="{LEFT + 4}" y="{y(target) - 3:.1f}" font-size="10" '
                 f'fill="#5f6b7a">target recall {100 * target:.0f}%</text>')
    for name, colour in (("recall", "#c53030"), ("precision", "#2b6cb0")):
        points = [(p.cutoff, getattr(p, name)) for p in suggestion.curve if getattr(p, name) is not None]
        if points:
            path = " ".join(f"{x(c):.1f},{y(v):.1f}" for c, v in points)
            parts.append(f'<polyline class="{name}" fill="none" stroke="{colour}" stroke-width="2" points="{path}">'
                         f"<title>{name}</title></polyline>")
    for cut, label, dash in ((suggestion.current_red, "now", "2 2"), (suggestion.red, "suggested", "")):
        parts.append(f'<line x1="{x(cut):.1f}" x2="{x(cut):.1f}" y1="{TOP}" y2="{TOP + plot_h}" stroke="#1a202c" '
                     f'stroke-dasharray="{dash}"/><text x="{x(cut) + 3:.1f}" y="{TOP + 10}" font-size="10">'
                     f"{escape(label)} {cut:g}</text>")
    parts.append(f'<text x="{WIDTH - RIGHT}" y="{TOP + plot_h - 4}" font-size="10" text-anchor="end">'
                 f'<tspan fill="#c53030">— recall</tspan> <tspan fill="#2b6cb0">— precision</tspan></text></svg>')
    return mark_safe("".join(parts))  # numbers only, and escaped labels
