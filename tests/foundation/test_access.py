"""Who may act on which account, and at what cost."""

from __future__ import annotations

from django.contrib.auth.models import Group, User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.access import can_act_on_account
from accounts.models import Team
from accounts.roles import Role
from tests.factories import AccountFactory


def test_it_lets_a_manager_act_on_team_members_accounts_in_one_query(manager, team, alice, bob):
    outsider = User.objects.create_user("carol")
    outsider.groups.add(Group.objects.get(name=Role.CSM.value))
    Team.objects.create(name="West").members.add(outsider)
    mine = [AccountFactory(owner=alice if i % 2 else bob) for i in range(10)]
    theirs = AccountFactory(owner=outsider)
    with CaptureQueriesContext(connection) as ctx:
        allowed = [can_act_on_account(manager, account) for account in mine]
        refused = can_act_on_account(manager, theirs)
    assert allowed == [True] * 10 and refused is False
    assert len(ctx.captured_queries) <= 2  # roles once, team members once — not one per account


def test_it_lets_a_csm_act_only_on_owned_accounts(alice, bob, team):
    assert can_act_on_account(alice, AccountFactory(owner=alice)) is True
    assert can_act_on_account(alice, AccountFactory(owner=bob)) is False
