"""A small scored world for tests that run the real engine: one signal, one owned account, a red playbook.

Yesterday the account logged 90 (score 90, green); ``drop`` stores today's 10, which is a rapid
decline (≥ 20 points below the 30-day peak), so the engine moves it to red at once, without the
7-day hold.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import Group, User

from accounts.models import Account, Team
from accounts.roles import Role
from playbooks.models import Playbook, PlaybookStep
from scoring.models import Observation, Segment, SignalDefinition
from scoring.services import scores_recompute
from tests.factories import AccountFactory, create_published_version, observe


@dataclass
class World:
    account: Account
    signal: SignalDefinition
    owner: User
    playbook: Playbook


def build_world(now: dt.datetime) -> World:
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
    account = AccountFactory(name="Acme", external_id="acme", owner=owner, team=team, segment=segment)
    playbook = Playbook.objects.create(name="Red: save the account", trigger_kind="enter_tier", tier="red",
                                       severity="high")
    PlaybookStep.objects.create(playbook=playbook, order=1, title="Call the champion", due_offset_hours=24)
    yesterday = now - dt.timedelta(days=1)
    observe(account, signal, 90, yesterday - dt.timedelta(hours=1))
    scores_recompute(account_ids=[account.pk], now=yesterday)
    return World(account=account, signal=signal, owner=owner, playbook=playbook)


def drop(world: World, at: dt.datetime) -> Observation:
    """Store today's bad observation (the caller enqueues the recompute)."""
    return observe(world.account, world.signal, 10, at, source="e2e")
