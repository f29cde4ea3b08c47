"""Playbook triggers: turn a recompute's score changes and account state into tasks.

Edge triggers read the ScoreChange rows a recompute wrote: *entered a tier* (a tier change into the
playbook's tier) and *any downgrade*. Level triggers read the account's current state, so they also
fire from the daily evaluation: *rapid decline* / *gradual decline* (``AccountScore.trend``) and
*rule* playbooks (all structured conditions hold). A level trigger re-opens work after the previous
task closed while the condition still holds, unless the playbook's ``reenrol_days`` spaces it out;
while a task is live, the one-open-task-per-step constraint keeps it single.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from accounts.models import Account
from playbooks import notifications, rules
from playbooks.models import Playbook
from playbooks.services import (
    Enrolment,
    enrolments_applicable,
    tasks_close_recovered,
    tasks_open_for,
    tasks_supersede,
)
from scoring.models import TIER_RANK, AccountScore, ScoreChange, Segment, TrendLabel

LEVEL_KINDS = (Playbook.Trigger.RAPID_DECLINE, Playbook.Trigger.GRADUAL_DECLINE, Playbook.Trigger.RULE)
TREND_OF_KIND = {
    Playbook.Trigger.RAPID_DECLINE: TrendLabel.RAPID_DECLINE,
    Playbook.Trigger.GRADUAL_DECLINE: TrendLabel.GRADUAL_DECLINE,
}


def _active_playbooks(kinds: Iterable[str] | None = None) -> dict[str, list[Playbook]]:
    qs = Playbook.objects.filter(active=True).prefetch_related("steps", "conditions__signal")
    if kinds is not None:
        qs = qs.filter(trigger_kind__in=list(kinds))
    by_kind: dict[str, list[Playbook]] = defaultdict(list)
    for playbook in qs:
        by_kind[playbook.trigger_kind].append(playbook)
    return by_kind


def _accounts(account_ids: Iterable[int]) -> list[Account]:
    return list(
        Account.objects.filter(pk__in=list(account_ids), status=Account.Status.ACTIVE).select_related(
            "owner", "manager", "team__manager"
        )
    )


def _in_segment(playbook: Playbook, segment_id: int | None) -> bool:
    return playbook.segment_id is None or playbook.segment_id == segment_id


def _enrolments(
    *,
    accounts: list[Account],
    scores: dict[int, AccountScore],
    changes: list[ScoreChange],
    playbooks: dict[str, list[Playbook]],
    now: dt.datetime,
) -> list[Enrolment]:
    default_segment = Segment.objects.filter(is_default=True).values_list("pk", flat=True).first()
    changes_of: dict[int, list[ScoreChange]] = defaultdict(list)
    for change in changes:
        changes_of[change.account_id].append(change)
    facts = rules.facts_for(accounts=accounts, scores=scores) if playbooks.get(Playbook.Trigger.RULE) else {}
    out: list[Enrolment] = []
    for account in accounts:
        segment_id = account.segment_id or default_segment
        score = scores.get(account.pk)
        latest_change = None
        for change in sorted(changes_of[account.pk], key=lambda c: (c.date, c.pk or 0)):
            latest_change = change
            if not change.tier_changed or change.from_tier == change.to_tier:
                continue
            for playbook in playbooks.get(Playbook.Trigger.ENTER_TIER, []):
                if playbook.tier == change.to_tier and _in_segment(playbook, segment_id):
                    out.append(Enrolment(account, playbook, change.to_tier, change))
            is_downgrade = change.from_tier and TIER_RANK[change.to_tier] < TIER_RANK[change.from_tier]
            if is_downgrade:
                for playbook in playbooks.get(Playbook.Trigger.DOWNGRADE, []):
                    if _in_segment(playbook, segment_id):
                        out.append(Enrolment(account, playbook, change.to_tier, change))
        if score is None or not score.tier:  # not enough data yet: no level trigger either
            continue
        for kind, trend in TREND_OF_KIND.items():
            if score.trend != trend:
                continue
            for playbook in playbooks.get(kind, []):
                if _in_segment(playbook, segment_id):
                    out.append(Enrolment(account, playbook, score.tier, latest_change))
        for playbook in playbooks.get(Playbook.Trigger.RULE, []):
            if _in_segment(playbook, segment_id) and rules.rule_holds(playbook, facts[account.pk], now):
                out.append(Enrolment(account, playbook, score.tier, None))
    return out


def triggers_evaluate(*, result: Any, now: dt.datetime) -> dict[str, int]:
    """Evaluate every trigger for the accounts of one recompute result; open, close and notify.

    ``result`` is a ``scoring.services.RecomputeResult`` (``account_ids``, ``changes``, ``scores``).
    """
    account_ids = list(result.account_ids)
    if not account_ids:
        return {"enrolments": 0, "tasks": 0, "closed": 0, "annotated": 0, "superseded": 0, "superseded_started": 0,
                "notifications": 0}
    scores = dict(result.scores or {})
    missing = set(account_ids) - set(scores)
    if missing:
        scores.update({s.account_id: s for s in AccountScore.objects.filter(account_id__in=missing)})
    changes = list(result.changes or [])
    accounts = _accounts(account_ids)
    playbooks = _active_playbooks()
    enrolments = _enrolments(accounts=accounts, scores=scores, changes=changes, playbooks=playbooks, now=now)
    enrolments = enrolments_applicable(enrolments=enrolments, now=now)
    tasks = tasks_open_for(enrolments=enrolments, now=now)
    closed = tasks_close_recovered(scores=scores.values(), now=now)
    closed |= tasks_supersede(scores=scores.values(), now=now)
    sent = notifications.notifications_for_tier_changes(
        changes=changes, accounts={a.pk: a for a in accounts}, scores=scores, now=now
    )
    return {"enrolments": len(enrolments), "tasks": len(tasks), **closed, "notifications": len(sent)}


def rules_evaluate_all(*, now: dt.datetime, chunk_size: int = 2000) -> dict[str, int]:
    """Daily: evaluate level triggers (rules, trends) over every active account, chunk by chunk."""
    playbooks = _active_playbooks(LEVEL_KINDS)
    totals = {"accounts": 0, "enrolments": 0, "tasks": 0}
    if not playbooks:
        return totals
    ids = list(
        Account.objects.filter(status=Account.Status.ACTIVE, score__isnull=False).order_by("pk").values_list(
            "pk", flat=True
        )
    )
    for start in range(0, len(ids), chunk_size):
        chunk = ids[start : start + chunk_size]
        scores = {s.account_id: s for s in AccountScore.objects.filter(account_id__in=chunk)}
        accounts = _accounts(chunk)
        enrolments = _enrolments(accounts=accounts, scores=scores, changes=[], playbooks=playbooks, now=now)
        enrolments = enrolments_applicable(enrolments=enrolments, now=now)
        tasks = tasks_open_for(enrolments=enrolments, now=now)
        totals["accounts"] += len(accounts)
        totals["enrolments"] += len(enrolments)
        totals["tasks"] += len(tasks)
    return totals
