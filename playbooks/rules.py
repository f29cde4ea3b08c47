"""Rule playbooks: structured conditions evaluated by our code (never ``eval``).

A rule holds when all its conditions hold. A condition reads one fact about an account:

- ``signal_value``: the signal's aggregated value in ``AccountScore.components["signals"]``;
- ``signal_days_since``: whole days between now and the signal's ``newest_at``;
- ``account_field``: days to renewal, ARR, contract type, lifecycle stage, champion days in role,
  score or tier.

A fact that is missing (no score yet, signal not in the account's model, no data, no renewal date,
no champion, signal deleted) makes the condition false — never an error. ``rule_problems`` lists
the conditions that can never hold for configuration reasons, for the admin to show.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.utils.dateparse import parse_datetime

from accounts.models import Account, Contact
from playbooks.models import Playbook, PlaybookStep, RuleCondition
from scoring.models import AccountScore, SignalWeight, Tier

Op = RuleCondition.Operator
Subject = RuleCondition.Subject
Field = RuleCondition.Field

TEXT_FIELDS = {Field.CONTRACT_TYPE, Field.LIFECYCLE_STAGE, Field.TIER}

_NUMERIC_OPS: dict[str, Callable[[float, float], bool]] = {
    Op.LT: operator.lt,
    Op.LTE: operator.le,
    Op.GT: operator.gt,
    Op.GTE: operator.ge,
    Op.EQ: operator.eq,
    Op.NE: operator.ne,
    # "within N days": between 0 and N inclusive (renewal within 60 days, champion in role < 90 days).
    Op.WITHIN_DAYS: lambda x, n: 0 <= x <= n,
}


@dataclass
class AccountFacts:
    """What rule conditions can read about one account, gathered set-based."""

    account: Account
    score: AccountScore | None
    champion_since: dt.date | None = None
    signals: dict[str, dict] = field(default_factory=dict)  # key -> components["signals"] entry


def facts_for(*, accounts: Iterable[Account], scores: dict[int, AccountScore]) -> dict[int, AccountFacts]:
    """Facts for many accounts: one query for current champions, none per account."""
    accounts = list(accounts)
    champions: dict[int, dt.date] = {}
    rows = Contact.objects.filter(
        account_id__in=[a.pk for a in accounts],
        role=Contact.Role.CHAMPION,
        left_at__isnull=True,
        in_role_since__isnull=False,
    ).values_list("account_id", "in_role_since")
    for account_id, since in rows:
        # With several champions, the newest one decides "champion in role < N days".
        champions[account_id] = max(since, champions.get(account_id, since))
    facts = {}
    for account in accounts:
        score = scores.get(account.pk)
        signals = {}
        if score is not None:
            signals = {s.get("key"): s for s in (score.components or {}).get("signals", []) if s.get("key")}
        facts[account.pk] = AccountFacts(account, score, champions.get(account.pk), signals)
    return facts


def _fact(condition: RuleCondition, facts: AccountFacts, now: dt.datetime) -> float | str | None:
    if condition.subject in (Subject.SIGNAL_VALUE, Subject.SIGNAL_DAYS_SINCE):
        if condition.signal is None:
            return None
        entry = facts.signals.get(condition.signal.key)
        if entry is None:
            return None
        if condition.subject == Subject.SIGNAL_VALUE:
            value = entry.get("value")
            return None if value is None else float(value)
        newest = entry.get("newest_at")
        newest_at = parse_datetime(newest) if isinstance(newest, str) else newest
        if newest_at is None:
            return None
        return float((now - newest_at).days)
    account = facts.account
    today = now.date()
    match condition.field:
        case Field.DAYS_TO_RENEWAL:
            days = account.days_to_renewal(today)
            return None if days is None else float(days)
        case Field.ARR:
            return float(account.arr)
        case Field.CONTRACT_TYPE:
            return account.contract_type
        case Field.LIFECYCLE_STAGE:
            return account.lifecycle_stage
        case Field.CHAMPION_DAYS_IN_ROLE:
            return None if facts.champion_since is None else float((today - facts.champion_since).days)
        case Field.SCORE:
            return None if facts.score is None else float(facts.score.score)
        case Field.TIER:
            return None if facts.score is None else facts.score.tier
    return None


def condition_holds(condition: RuleCondition, facts: AccountFacts, now: dt.datetime) -> bool:
    """Whether one condition holds; a missing fact or a malformed value means it does not."""
    value = _fact(condition, facts, now)
    if value is None:
        return False
    if isinstance(value, str):
        expected = condition.value.strip()
        if condition.operator == Op.EQ:
            return value == expected
        if condition.operator == Op.NE:
            return value != expected
        return False
    compare = _NUMERIC_OPS.get(condition.operator)
    try:
        threshold = float(condition.value)
    except (TypeError, ValueError):
        return False
    return compare is not None and compare(value, threshold)


def rule_holds(playbook: Playbook, facts: AccountFacts, now: dt.datetime) -> bool:
    """All conditions hold (a rule without conditions never fires). Expects prefetched conditions."""
    conditions = list(playbook.conditions.all())
    return bool(conditions) and all(condition_holds(c, facts, now) for c in conditions)


def rule_problems(playbook: Playbook) -> list[str]:
    """Configuration problems an admin should see: conditions that can never hold, slow red SLAs."""
    problems: list[str] = []
    steps = list(playbook.steps.all())
    if not steps:
        problems.append("No steps: this playbook would open no task.")
    sla = first_step_due_problem(trigger_kind=playbook.trigger_kind, tier=playbook.tier, steps=steps)
    if sla:
        problems.append(sla)
    if playbook.trigger_kind != Playbook.Trigger.RULE:
        return problems
    conditions = list(playbook.conditions.all())
    if not conditions:
        problems.append("Rule without conditions: it never fires.")
    weighted = set(
        SignalWeight.objects.filter(version__status="published", weight__gt=0).values_list("signal__key", flat=True)
    )
    for c in conditions:
        if c.subject in (Subject.SIGNAL_VALUE, Subject.SIGNAL_DAYS_SINCE):
            if c.signal is None:
                problems.append(f"Condition {c.pk}: its signal was deleted; the rule never fires.")
            elif not c.signal.active:
                problems.append(f"Condition on {c.signal.key}: the signal is inactive; the rule never fires.")
            elif c.signal.key not in weighted:
                problems.append(
                    f"Condition on {c.signal.key}: no published model uses this signal, so accounts have no "
                    "value for it and the rule never fires."
                )
        elif c.subject == Subject.ACCOUNT_FIELD and not c.field:
            problems.append(f"Condition {c.pk}: no account field chosen; the rule never fires.")
    return problems


def first_step_due_problem(*, trigger_kind: str, tier: str, steps: list[PlaybookStep]) -> str | None:
    """The red-playbook SLA check used by the admin form before saving."""
    if trigger_kind != Playbook.Trigger.ENTER_TIER or tier != Tier.RED or not steps:
        return None
    first = min(steps, key=lambda s: s.order)
    if first.due_offset_hours > 24:
        return f"A red playbook's first step must be due within 24 hours (it is {first.due_offset_hours} h)."
    return None
