"""One place that decides who may see and act on which account.

Views call these helpers instead of filtering by hand, so a permission check
cannot be forgotten on a new page.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import Account, Team
from accounts.roles import Role, roles_of


def sees_whole_book(user) -> bool:
    """Managers, CS ops and support read every account."""
    return bool(roles_of(user) & {Role.MANAGER, Role.OPS, Role.SUPPORT})


def visible_accounts(user) -> QuerySet[Account]:
    """Accounts the user may read: everything for managers, ops and support; own book for CSMs."""
    if sees_whole_book(user):
        return Account.objects.all()
    if Role.CSM in roles_of(user):
        # A subquery, not a join through team members: no duplicate rows, so no DISTINCT over whole rows.
        return Account.objects.filter(Q(owner=user) | Q(team__in=Team.objects.filter(members=user)))
    return Account.objects.none()


def _managed_member_ids(user) -> frozenset[int]:
    """Members of the teams the user manages, read once per request (cached on the user, like roles)."""
    cached = getattr(user, "_healthscore_managed_members", None)
    if cached is None:
        cached = frozenset(Team.members.through.objects.filter(team__manager=user).values_list("user_id", flat=True))
        user._healthscore_managed_members = cached
    return cached


def can_act_on_account(user, account: Account) -> bool:
    """May the user work this account's tasks and overrides?

    CSMs act on accounts they own; managers on their team's accounts (or any
    account they are the manager of); CS ops on everything. Support agents
    only read.
    """
    roles = roles_of(user)
    if Role.OPS in roles:
        return True
    if Role.MANAGER in roles:
        if account.manager_id == user.pk:
            return True
        if account.team_id is not None and account.team.manager_id == user.pk:
            return True
        return account.owner_id is not None and account.owner_id in _managed_member_ids(user)
    if Role.CSM in roles:
        return account.owner_id == user.pk
    return False


def get_account_for_user(user, external_id: str, *, act: bool = False) -> Account:
    """The account by external id, or 404 if the user cannot see it, 403 if they cannot act on it."""
    account = get_object_or_404(visible_accounts(user).select_related("owner", "team", "segment"), external_id=external_id)
    if act and not can_act_on_account(user, account):
        raise PermissionDenied("You cannot act on this account.")
    return account
