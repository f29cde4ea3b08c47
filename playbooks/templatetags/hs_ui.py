"""Small presentation helpers shared by the workspace templates."""

from __future__ import annotations

import datetime as dt
import math

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_datetime

register = template.Library()

TREND_ARROWS = {"rapid_decline": "⇊", "gradual_decline": "↘", "stable": "→", "improving": "↗"}


@register.filter
def trend_arrow(trend: str | None) -> str:
    return TREND_ARROWS.get(trend or "", "")


TREND_ANGLES = {"rapid_decline": 90, "gradual_decline": 40, "stable": 0, "improving": -40}


@register.filter
def trend_angle(trend: str | None) -> int:
    """Rotation of the badge's arrow: right is stable, down is decline."""
    return TREND_ANGLES.get(trend or "", 0)


@register.filter
def signed(value, digits: int = 1) -> str:
    """A delta with an explicit sign and a real minus: +3.0, −12.4, 0."""
    if value is None or value == "":
        return "–"
    number = round(float(value), int(digits))
    if number == 0:
        return "0"
    text = f"{abs(number):.{int(digits)}f}"
    return f"+{text}" if number > 0 else f"−{text}"


@register.filter
def money(value) -> str:
    """ARR in compact form: $950, $48k, $1.2M."""
    if value in (None, ""):
        return "–"
    amount = float(value)
    sign, amount = ("−" if amount < 0 else ""), abs(amount)
    if amount >= 1_000_000:
        return f"{sign}${amount / 1_000_000:.1f}M"
    if amount >= 10_000:
        return f"{sign}${amount / 1000:.0f}k"
    if amount >= 1000:
        return f"{sign}${amount / 1000:.1f}k"
    return f"{sign}${amount:.0f}"


@register.filter
def percent(value, digits: int = 0) -> str:
    if value is None or value == "":
        return "–"
    return f"{float(value) * 100:.{int(digits)}f}%"


def _short_date(day: dt.date, today: dt.date) -> str:
    text = f"{day.day} {day:%b}"
    return text if day.year == today.year else f"{text} {day.year}"


@register.simple_tag
def freshness(signal: dict, now: dt.datetime | None = None) -> str:
    """How fresh a signal's data is, in plain words: "updated 20 Nov", "no data since 3 Nov"."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    newest = signal.get("newest_at")
    when = parse_datetime(newest) if isinstance(newest, str) else newest
    status = signal.get("status") or "ok"
    if when is None:
        return "no data yet"
    day = timezone.localdate(when) if timezone.is_aware(when) else when.date()
    label = "today" if day == today else ("yesterday" if day == today - dt.timedelta(days=1) else _short_date(day, today))
    if status in ("stale", "missing"):
        return f"no data since {label}"
    return f"updated {label}"


@register.simple_tag
def due_label(due_at: dt.datetime, now: dt.datetime | None = None) -> str:
    """When a task is due, relative to now: "overdue 3 d", "today 14:00", "tomorrow", "28 Nov"."""
    now = now or timezone.now()
    local_due = timezone.localtime(due_at)
    today = timezone.localdate(now)
    if due_at < now:
        days = (today - local_due.date()).days
        return "overdue today" if days == 0 else f"overdue {days} d"
    if local_due.date() == today:
        return f"today {local_due:%H:%M}"
    if local_due.date() == today + dt.timedelta(days=1):
        return "tomorrow"
    return _short_date(local_due.date(), today)


@register.filter
def short_date(day) -> str:
    if not day:
        return "–"
    if isinstance(day, dt.datetime):
        day = timezone.localdate(day) if timezone.is_aware(day) else day.date()
    return _short_date(day, timezone.localdate())


@register.filter
def score_label(value) -> str:
    """A score as a whole number, rounded down: the number shown never reaches a threshold the score
    has not (49.7 is red and shows 49, not 50; 74.99 shows 74, yellow). One decimal stays in the
    explanation table, where the exact value matters."""
    if value is None or value == "":
        return "–"
    return str(math.floor(float(value) + 1e-9))


@register.filter
def person(user, missing: str = "") -> str:
    """A user's full name, else username; ``missing`` when there is nobody (no assignee, no owner).

    Use this instead of ``{{ x.owner.get_full_name|default:x.owner.username }}``: a filter argument
    that looks up through a missing relation raises VariableDoesNotExist, a 500.
    """
    if user is None or not getattr(user, "pk", None):
        return missing
    return user.get_full_name() or user.username
