"""The capability table: who may do what, in one place (role × action).

Every view (the ``requires`` decorator), the REST API (``support.api.common``), the badge and the
admin (``CapabilityAdminMixin`` and the django-q admin in ``healthscore.admin``) ask ``can(user,
capability)``; tests/foundation/test_url_capabilities.py walks every URL pattern from the resolver
and checks each caller's answer against this table. Object-level rules (which accounts a CSM sees
or acts on) stay in ``accounts.access``.

Callers are the four roles, ``superuser`` (a Django superuser, whatever their groups) and the two
API token kinds. Nobody below superuser may make the workers run code: django-q schedules name a
Python function, so adding or changing one is ``EDIT_SCHEDULES``, superusers only.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from accounts.roles import Role, roles_of


class Caller(StrEnum):
    CSM = Role.CSM.value
    MANAGER = Role.MANAGER.value
    SUPPORT = Role.SUPPORT.value
    OPS = Role.OPS.value
    SUPERUSER = "superuser"
    TOKEN_READ = "token:read"
    TOKEN_INGEST = "token:ingest"


class Cap(StrEnum):
    PUBLIC = "public"  # health checks, the login page: anyone
    HOME = "home"  # the start page that sends each person to where they work
    WORK_QUEUE = "queue.work"  # the queue, its counters and export, acting on one's tasks
    SWITCH_QUEUE = "queue.switch"  # see another person's queue, reassign to another person
    VIEW_DASHBOARD = "dashboard.view"
    VIEW_ACCOUNTS = "accounts.view"  # portfolio, account page, timeline, overrides, saved views
    ACT_ON_ACCOUNTS = "accounts.act"  # flags and notes (which accounts: accounts.access)
    VIEW_TICKETS = "tickets.view"
    VIEW_UNMATCHED_TICKETS = "tickets.unmatched"
    VIEW_BADGE = "badge.view"
    VIEW_BOOK = "book.view"
    VIEW_VALIDATION = "validation.view"  # backtest, preview of a draft
    EDIT_SCORING = "scoring.edit"  # suggest a draft, publish a version
    IMPORT_CSV = "imports.csv"  # the admin's CSV import: accounts, contacts, outcomes, observations
    API_READ = "api.read"
    API_INGEST = "api.ingest"
    API_DOCS = "api.docs"  # /api/schema/ and /api/docs/
    READ_PEOPLE = "people.read"  # owners' emails and flag notes in API answers
    METRICS = "metrics.view"
    ENTER_ADMIN = "admin.enter"
    EDIT_INTEGRATIONS = "integrations.edit"  # helpdesk integrations and their secrets, badge links (admin)
    VIEW_SCHEDULES = "schedules.view"  # django-q schedules, tasks, failures: read only
    EDIT_SCHEDULES = "schedules.edit"  # a schedule names a function the workers run: superusers only
    SIGNED_DELIVERY = "webhook.signed"  # a helpdesk's webhook or sidebar app, proven by the integration's own secret


_PEOPLE = frozenset({Caller.CSM, Caller.MANAGER, Caller.SUPPORT, Caller.OPS, Caller.SUPERUSER})
_QUEUE = frozenset({Caller.CSM, Caller.MANAGER, Caller.OPS, Caller.SUPERUSER})
_LEADS = frozenset({Caller.MANAGER, Caller.OPS, Caller.SUPERUSER})
_OPS = frozenset({Caller.OPS, Caller.SUPERUSER})
_TOKENS = frozenset({Caller.TOKEN_READ, Caller.TOKEN_INGEST})

TABLE: dict[Cap, frozenset[Caller]] = {
    Cap.PUBLIC: frozenset(Caller),
    Cap.HOME: _PEOPLE,
    Cap.WORK_QUEUE: _QUEUE,
    Cap.SWITCH_QUEUE: _LEADS,
    Cap.VIEW_DASHBOARD: _LEADS,
    Cap.VIEW_ACCOUNTS: _PEOPLE,
    Cap.ACT_ON_ACCOUNTS: _QUEUE,
    Cap.VIEW_TICKETS: _PEOPLE,
    Cap.VIEW_UNMATCHED_TICKETS: frozenset({Caller.SUPPORT, Caller.MANAGER, Caller.OPS, Caller.SUPERUSER}),
    Cap.VIEW_BADGE: _PEOPLE | {Caller.TOKEN_READ},
    Cap.VIEW_BOOK: _QUEUE,
    Cap.VIEW_VALIDATION: _LEADS,
    Cap.EDIT_SCORING: _OPS,
    Cap.IMPORT_CSV: _OPS,
    Cap.API_READ: _PEOPLE | {Caller.TOKEN_READ},
    Cap.API_INGEST: _OPS | {Caller.TOKEN_INGEST},
    Cap.API_DOCS: _PEOPLE | _TOKENS,
    Cap.READ_PEOPLE: _PEOPLE,
    Cap.METRICS: frozenset({Caller.SUPERUSER}),
    Cap.ENTER_ADMIN: _OPS,
    Cap.EDIT_INTEGRATIONS: _OPS,
    Cap.VIEW_SCHEDULES: _OPS,
    Cap.EDIT_SCHEDULES: frozenset({Caller.SUPERUSER}),
    # No caller kind grants it: integrations.services checks the integration's signature or secret.
    Cap.SIGNED_DELIVERY: frozenset(),
}


# What a refused person reads on the 403 page.
MESSAGES: dict[Cap, str] = {
    Cap.HOME: "Your user has no Healthscore role yet; ask an admin to add you to a group.",
    Cap.WORK_QUEUE: "The queue is for CSMs and their managers.",
    Cap.SWITCH_QUEUE: "Only CS managers and CS ops see other people's queues.",
    Cap.VIEW_DASHBOARD: "The dashboard is for CS managers.",
    Cap.VIEW_ACCOUNTS: "Your user has no Healthscore role yet.",
    Cap.ACT_ON_ACCOUNTS: "Only CSMs, their managers and CS ops act on accounts.",
    Cap.VIEW_TICKETS: "Only support agents, CS managers, CS ops and CSMs may see tickets.",
    Cap.VIEW_BOOK: "The book is for CSMs, CS managers and CS ops.",
    Cap.VIEW_VALIDATION: "Validation is for CS managers and CS ops.",
    Cap.EDIT_SCORING: "Only CS ops change the scoring.",
    Cap.IMPORT_CSV: "Importing CSV files is for CS ops.",
}


def callers_of(user) -> frozenset[Caller]:
    """Who the user (or API token) counts as in the table."""
    token = getattr(user, "token", None)
    if token is not None:  # support.api_auth.TokenUser
        kinds = set()
        if token.scope_read:
            kinds.add(Caller.TOKEN_READ)
        if token.scope_ingest:
            kinds.add(Caller.TOKEN_INGEST)
        return frozenset(kinds)
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    out = {Caller(role.value) for role in roles_of(user)}
    if user.is_superuser:
        out.add(Caller.SUPERUSER)
    return frozenset(out)


def can(user, cap: Cap) -> bool:
    if cap == Cap.PUBLIC:
        return True
    return bool(TABLE[cap] & callers_of(user))


def capability_check(user, cap: Cap, message: str = "") -> None:
    """PermissionDenied unless the user has the capability."""
    if not can(user, cap):
        raise PermissionDenied(message or MESSAGES.get(cap) or f"You lack the '{cap.value}' permission.")


def checked_inside(cap: Cap) -> Callable:
    """For a view that checks the capability itself (it answers 401/403 rather than redirecting to
    the login page: metrics, the badge, helpdesk webhooks): records it for the URL walker."""

    def decorator(view):
        view.capability = cap
        return view

    return decorator


def requires(cap: Cap, message: str = "", *, post: Cap | None = None) -> Callable:
    """A view decorator: sign-in first (redirect to the login page), then the capability (403).

    ``post`` is the capability a POST needs when it differs (a page anyone reads, a form only some
    may send). Both are kept on the view (``view.capability``, ``view.post_capability``) so the
    URL walker can read them.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            needed = post if post is not None and request.method == "POST" else cap
            if needed != Cap.PUBLIC:
                if not request.user.is_authenticated:
                    return redirect_to_login(request.get_full_path())
                capability_check(request.user, needed, message)
            return view(request, *args, **kwargs)

        wrapper.capability = cap
        wrapper.post_capability = post or cap
        return wrapper

    return decorator


def view_capability(view, method: str = "GET") -> Cap | None:
    """The capability a view function (or a DRF view's class) declares for a method, if any."""
    if method == "POST" and getattr(view, "post_capability", None) is not None:
        return view.post_capability
    return getattr(view, "capability", None)
