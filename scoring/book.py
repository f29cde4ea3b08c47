"""Book views: what is pulling the book down this week, and the expansion candidates.

Both read the change log (``ScoreChange.signal_deltas``: each entry's per-signal points) and the
current scores of the accounts a user may see — one query each, aggregated in Python over the
week's (or month's) entries, never one query per account.

- *Pulling the book down*: per signal, the accounts whose points from that signal fell by at
  least ``min_points`` over the last 7 days (sum of the week's deltas), counted by segment and
  by owner, with the accounts listed.
- *Expansion candidates*: green accounts renewing within ``renewal_days`` (120) whose usage
  signals gained points over the last 30 days (the guides: "stable high scores: potential
  expansion candidates", "green accounts are your best candidates for upsell").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from scoring.models import AccountScore, Category, ScoreChange, SignalDefinition, Tier

PULL_POINTS = 5.0
PULL_DAYS = 7
EXPANSION_RENEWAL_DAYS = 120
EXPANSION_USAGE_DAYS = 30


@dataclass
class Pull:
    key: str
    label: str
    accounts: list[dict] = field(default_factory=list)  # {"account", "points"}
    by_segment: dict[str, int] = field(default_factory=dict)
    by_owner: dict[str, int] = field(default_factory=dict)

    @property
    def points(self) -> float:
        return round(sum(a["points"] for a in self.accounts), 1)


def _weekly_points(accounts, first: dt.date, last: dt.date) -> dict[int, dict[str, float]]:
    points: dict[int, dict[str, float]] = {}
    rows = ScoreChange.objects.filter(account__in=accounts, date__gte=first, date__lte=last).values_list(
        "account_id", "signal_deltas"
    )
    for account_id, deltas in rows:
        for d in deltas or []:
            if d.get("signal"):
                by = points.setdefault(account_id, {})
                by[d["signal"]] = by.get(d["signal"], 0.0) + float(d.get("delta") or 0)
    return points


def pulling_down(*, accounts, today: dt.date, min_points: float = PULL_POINTS) -> list[Pull]:
    """Signals that cost accounts ≥ ``min_points`` this week, the widest first."""
    points = _weekly_points(accounts, today - dt.timedelta(days=PULL_DAYS - 1), today)
    labels = dict(SignalDefinition.objects.values_list("key", "label"))
    hit = {aid for aid, by in points.items() if any(v <= -min_points for v in by.values())}
    info = {a.pk: a for a in accounts.filter(pk__in=hit).select_related("segment", "owner")}
    pulls: dict[str, Pull] = {}
    for account_id, by in points.items():
        account = info.get(account_id)
        if account is None:
            continue
        for key, value in by.items():
            if value > -min_points:
                continue
            pull = pulls.setdefault(key, Pull(key, labels.get(key, key)))
            pull.accounts.append({"account": account, "points": round(value, 1)})
            segment = account.segment.name if account.segment else "No segment"
            owner = account.owner.get_username() if account.owner else "No owner"
            pull.by_segment[segment] = pull.by_segment.get(segment, 0) + 1
            pull.by_owner[owner] = pull.by_owner.get(owner, 0) + 1
    for pull in pulls.values():
        pull.accounts.sort(key=lambda a: a["points"])
    return sorted(pulls.values(), key=lambda p: (-len(p.accounts), p.points))


def expansion_candidates(*, accounts, today: dt.date, renewal_days: int = EXPANSION_RENEWAL_DAYS) -> list[dict]:
    """Green accounts renewing soon whose usage signals gained points over the last 30 days."""
    usage = set(SignalDefinition.objects.filter(category=Category.USAGE).values_list("key", flat=True))
    green = list(
        AccountScore.objects.filter(
            account__in=accounts.filter(status="active"), tier=Tier.GREEN,
            account__renewal_date__gte=today, account__renewal_date__lte=today + dt.timedelta(days=renewal_days),
        ).select_related("account", "account__owner").order_by("account__renewal_date")
    )
    ids = accounts.filter(pk__in=[s.account_id for s in green])
    points = _weekly_points(ids, today - dt.timedelta(days=EXPANSION_USAGE_DAYS - 1), today)
    out = []
    for score in green:
        gain = sum(v for k, v in points.get(score.account_id, {}).items() if k in usage)
        if gain > 0:
            out.append({"account": score.account, "score": score.score, "usage_gain": round(gain, 1),
                        "renewal_in": (score.account.renewal_date - today).days})
    return out
