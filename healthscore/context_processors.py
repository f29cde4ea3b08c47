from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from accounts.capabilities import Cap, can
from accounts.roles import Role, roles_of

# The nav shows what the capability table lets the person open (the flags list: those who set flags).
_NAV = [
    ("playbooks:queue", "Queue", "queue", Cap.WORK_QUEUE),
    ("accounts:portfolio", "Portfolio", "portfolio", Cap.VIEW_ACCOUNTS),
    ("playbooks:dashboard", "Dashboard", "dashboard", Cap.VIEW_DASHBOARD),
    ("scoring:book", "Book", "book", Cap.VIEW_BOOK),
    ("support:tickets", "Tickets", "tickets", Cap.VIEW_TICKETS),
    ("accounts:overrides", "Flags", "overrides", Cap.ACT_ON_ACCOUNTS),
    ("scoring:validation", "Validation", "validation", Cap.VIEW_VALIDATION),
    ("admin:index", "Admin", "admin", Cap.ENTER_ADMIN),
]


def _nav_links(user) -> list[dict]:
    return [{"url": reverse(name), "label": label, "key": key} for name, label, key, cap in _NAV if can(user, cap)]


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    # Only people get a nav: a page rendered for an API token (DRF's request.user is then a
    # support.api_auth.TokenUser, with no groups) has no roles, queue or counts.
    if user is None or not user.is_authenticated or not isinstance(user, AbstractBaseUser):
        return {"user_roles": frozenset()}
    roles = roles_of(user)
    is_ops = can(user, Cap.ENTER_ADMIN)

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
        "works_queue": can(user, Cap.WORK_QUEUE),
        "nav_links": SimpleLazyObject(lambda: _nav_links(user)),
        "nav_section": section,
        # Evaluated only when a full page renders the nav (one aggregate query), never for partials.
        "nav_counts": SimpleLazyObject(counts),
    }
