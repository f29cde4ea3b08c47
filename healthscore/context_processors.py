from __future__ import annotations

from django.http import HttpRequest

from accounts.roles import Role, roles_of


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_roles": frozenset()}
    roles = roles_of(user)
    return {
        "user_roles": roles,
        "is_csm": Role.CSM in roles,
        "is_manager": Role.MANAGER in roles,
        "is_support": Role.SUPPORT in roles,
        "is_ops": Role.OPS in roles or user.is_superuser,
    }
