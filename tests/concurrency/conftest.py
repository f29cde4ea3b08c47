"""A scored world for the race tests: 40 owned accounts, green yesterday, one red playbook.

Each account logged 90 yesterday (score 90, green). A batch of today's 10s is a rapid decline: every
account goes red at once, so each ingest should produce, per account, exactly one change-log entry,
one task and two alerts (owner and manager).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from accounts.models import Account, AccountDomain, Team
from accounts.roles import Role
from playbooks.models import Notification, Playbook, PlaybookStep, Task
from scoring.models import Observation, ScoreChange, Segment, SignalDefinition
from scoring.services import scores_recompute
from support.models import ApiToken
from tests.factories import AccountFactory, create_published_version

ACCOUNTS = 40


@dataclass
class World:
    accounts: list[Account]
    signal: SignalDefinition
    key: str
    now: dt.datetime

    def batch(self, *, source: str = "api", value: float = 10) -> dict:
        at = (self.now - dt.timedelta(minutes=30)).isoformat()
        return {"items": [{"account": a.external_id, "signal": "logins", "value": value, "observed_at": at,
                           "source": source} for a in self.accounts]}

    def effects(self) -> dict[str, int]:
        today = timezone.localdate(self.now)
        return {
            # The batches' own observations (stamped now − 30 min), whatever the hour: not by date,
            # which puts them on yesterday in the first half hour of a day.
            "observations today": Observation.objects.filter(observed_at__gte=self.now - dt.timedelta(hours=1)).count(),
            "change-log entries": ScoreChange.objects.filter(date=today).count(),
            "tasks": Task.objects.count(),
            "alerts": Notification.objects.filter(kind="tier_change").count(),
        }


@pytest.fixture
def world(needs_postgresql) -> World:
    now = timezone.now()
    segment, _ = Segment.objects.get_or_create(slug="default", defaults={"name": "Default", "is_default": True})
    signal = SignalDefinition.objects.create(
        key="logins", label="Logins", category="usage", bad_value=0, good_value=100, aggregation="latest",
        window_days=30, stale_after_days=30, unit="logins",
    )
    create_published_version(segment, {"logins": signal}, category_weights={"usage": 1}, signal_weights={"logins": 1})
    owner = User.objects.create_user("alice", "alice@example.com", "pw")
    owner.groups.add(Group.objects.get_or_create(name=Role.CSM.value)[0])
    manager = User.objects.create_user("manager", "manager@example.com", "pw")
    team = Team.objects.create(name="East", manager=manager)
    accounts = [AccountFactory(name=f"Account {n}", external_id=f"acc-{n}", owner=owner, team=team, segment=segment)
                for n in range(ACCOUNTS)]
    AccountDomain.objects.create(account=accounts[0], domain="acme.com")
    playbook = Playbook.objects.create(name="Red: save the account", trigger_kind="enter_tier", tier="red",
                                       severity="high")
    PlaybookStep.objects.create(playbook=playbook, order=1, title="Call the champion", due_offset_hours=24)
    yesterday = now - dt.timedelta(days=1)
    Observation.objects.bulk_create([
        Observation(account=a, signal=signal, value=90, observed_at=yesterday - dt.timedelta(hours=1), source="seed",
                    idempotency_key=f"seed-{a.pk}") for a in accounts])
    scores_recompute(account_ids=[a.pk for a in accounts], now=yesterday)
    key = ApiToken.generate(name="ingest", scope_ingest=True, scope_read=True)[1]
    return World(accounts=accounts, signal=signal, key=key, now=now)
