"""Support pages: the embeddable health badge and the support agents' ticket list."""

from __future__ import annotations

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from accounts.access import visible_accounts
from accounts.capabilities import Cap, can, checked_inside, requires
from accounts.models import SavedView
from accounts.selectors import filter_query
from accounts.views import saved_views_of
from scoring.models import Tier
from support.badges import BadgeDenied, badge_access, badge_account, badge_data, badge_data_for
from support.models import Ticket
from support.selectors import tickets_for_queue

FORMATS = {"json": "application/json", "html": "text/html", "svg": "image/svg+xml"}


def _badge_format(request: HttpRequest) -> str:
    wanted = request.GET.get("format")
    if wanted in FORMATS:
        return wanted
    accept = request.headers.get("Accept", "")
    for fmt in ("json", "svg"):  # browsers send text/html first; tools ask for JSON or SVG explicitly
        if FORMATS[fmt] in accept and "text/html" not in accept:
            return fmt
    return "html"


def _render_badge(request: HttpRequest, data: dict, fmt: str, status: int = 200) -> HttpResponse:
    if fmt == "json":
        response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    else:
        template = "support/badge.svg" if fmt == "svg" else "support/badge.html"
        body = render_to_string(template, {"badge": data})
        response = HttpResponse(body, status=status, content_type=f"{FORMATS[fmt]}; charset=utf-8")
    patch_vary_headers(response, ["Accept", "Authorization", "Cookie"])
    patch_cache_control(response, private=True, max_age=60)
    return response


@checked_inside(Cap.VIEW_BADGE)
@require_GET
@xframe_options_exempt
# A self-contained fragment for helpdesk sidebars: inline styles, no script.
@csp_update({"style-src": [UNSAFE_INLINE]})
def badge(request: HttpRequest, external_id: str | None = None) -> HttpResponse:
    """GET /badge/<external_id> or /badge/?email=|domain= — JSON, HTML fragment or SVG."""
    email = None if external_id else (request.GET.get("email") or None)
    domain = None if external_id or email else (request.GET.get("domain") or None)
    fmt = _badge_format(request)
    try:
        # Credentials first: a caller without access learns nothing, not even what a valid query looks like.
        access = badge_access(request=request, external_id=external_id, email=email, domain=domain)
        if not (external_id or email or domain):
            raise BadgeDenied(400, "Give an account id, ?email= or ?domain=.")
        account = badge_account(access=access, external_id=external_id, email=email, domain=domain)
    except BadgeDenied as exc:
        data = badge_data(account=None) | {"label": "Not available", "error": exc.message}
        return _render_badge(request, data, fmt, status=exc.status)
    return _render_badge(request, badge_data(account=account), fmt)


PAGE_SIZE = 50


@requires(Cap.VIEW_TICKETS)
@require_GET
def tickets(request: HttpRequest) -> HttpResponse:
    """Tickets with each account's badge; red-account tickets flagged and listed first."""
    tier = request.GET.get("tier") or None
    if tier not in {*Tier.values, "none", None}:
        tier = None
    status = request.GET.get("status") or None
    if status not in {*Ticket.Status.values, "active", None}:
        status = None
    qs = tickets_for_queue(
        accounts=visible_accounts(request.user),
        include_unmatched=can(request.user, Cap.VIEW_UNMATCHED_TICKETS),
        tier=tier,
        status=status,
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for ticket in page.object_list:
        account = ticket.account
        score = getattr(account, "score", None) if account is not None else None
        rows.append({"ticket": ticket, "score": score, "badge": badge_data_for(account=account, score=score)})
    context = {
        "rows": rows,
        "page": page,
        "tier": tier or "",
        "status": status or "",
        "tiers": [*Tier.choices, ("none", "No score")],
        "statuses": [("active", "Open or pending"), *Ticket.Status.choices],
        "query": filter_query(request.GET, drop=("page",)),
        "saved_views": saved_views_of(request.user, SavedView.Page.TICKETS),
    }
    return render(request, "support/tickets.html", context)
