"""The four roles, as Django groups (created by accounts/migrations/0002_roles)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    CSM = "CSM"
    MANAGER = "CS manager"
    SUPPORT = "Support agent"
    OPS = "CS ops"


def roles_of(user) -> frozenset[Role]:
    """The roles of a user, cached on the user object for the request."""
    # An API token (support.api_auth.TokenUser) has no groups: its kinds are in accounts.capabilities.
    if user is None or not user.is_authenticated or getattr(user, "token", None) is not None:
        return frozenset()
    cached = getattr(user, "_healthscore_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        cached = frozenset(role for role in Role if role.value in names)
        if user.is_superuser:
            cached = cached | {Role.OPS, Role.MANAGER}
        user._healthscore_roles = cached
    return cached


def has_role(user, *roles: Role) -> bool:
    return bool(roles_of(user) & set(roles))
