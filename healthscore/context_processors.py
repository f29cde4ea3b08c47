from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from accounts.roles import Role, roles_of


def _nav_links(roles: frozenset, is_ops: bool) -> list[dict]:
    wanted = []
    if roles & {Role.CSM, Role.MANAGER, Role.OPS}:
        wanted.append(("playbooks:queue", "Queue", "queue"))
    if roles:
        wanted.append(("accounts:portfolio", "Portfolio", "portfolio"))
    if roles & {Role.MANAGER, Role.OPS}:
        wanted.append(("playbooks:dashboard", "Dashboard", "dashboard"))
    if roles & {Role.CSM, Role.MANAGER, Role.OPS}:
        wanted.append(("scoring:book", "Book", "book"))
    if roles:
        wanted.append(("support:tickets", "Tickets", "tickets"))
    if roles & {Role.CSM, Role.MANAGER, Role.OPS}:
        wanted.append(("accounts:overrides", "Flags", "overrides"))
    if roles & {Role.MANAGER, Role.OPS}:
        wanted.append(("scoring:validation", "Validation", "validation"))
    if is_ops:
        wanted.append(("admin:index", "Admin", "admin"))
    return [{"url": reverse(name), "label": label, "key": key} for name, label, key in wanted]


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    # Only people get a nav: a page rendered for an API token (DRF's request.user is then a
    # support.api_auth.TokenUser, with no groups) has no roles, queue or counts.
    if user is None or not user.is_authenticated or not isinstance(user, AbstractBaseUser):
        return {"user_roles": frozenset()}
    roles = roles_of(user)
    is_ops = Role.OPS in roles or user.is_superuser

    def counts() -> dict:
        # Imported late: the playbooks app's selectors import models.
        from playbooks.selectors import queue_counts

        return queue_counts(user=user, now=timezone.now())

    match = getattr(request, "resolver_match", None)
    section = ""
    if match is not None:
        section = {
            "playbooks:queue": "queue", "playbooks:dashboard": "dashboard", "accounts:portfolio": "portfolio",
            "accounts:detail": "portfolio", "support:tickets": "tickets", "scoring:validation": "validation",
            "accounts:overrides": "overrides", "accounts:timeline": "portfolio",
        }.get(match.view_name, "")
    return {
        "user_roles": roles,
        "is_csm": Role.CSM in roles,
        "is_manager": Role.MANAGER in roles,
        "is_support": Role.SUPPORT in roles,
        "is_ops": is_ops,
        "works_queue": bool(roles & {Role.CSM, Role.MANAGER, Role.OPS}),
        "nav_links": SimpleLazyObject(lambda: _nav_links(roles, is_ops)),
        "nav_section": section,
        # Evaluated only when a full page renders the nav (one aggregate query), never for partials.
        "nav_counts": SimpleLazyObject(counts),
    }
