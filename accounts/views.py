"""Portfolio table and account page."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget

from accounts.access import can_act_on_account, get_account_for_user, visible_accounts
from accounts.capabilities import Cap, requires
from accounts.exports import csv_response
from accounts.forms import NoteForm, OverrideForm, PortfolioFilterForm, SavedViewForm
from accounts.models import SavedView
from accounts.selectors import account_detail, filter_query, page_by_ids, portfolio_accounts
from accounts.services import account_note_add, saved_view_save
from accounts.timeline import account_timeline
from healthscore.bounds import BadInput
from healthscore.views import partial_template, push_clean_url
from scoring.charts import history_chart
from scoring.derived import SENTIMENT_WORDS, sentiment_record, sentiment_trend
from scoring.models import Override
from scoring.overrides import override_create
from scoring.tasks import recompute_now

PAGE_SIZE = 50

logger = logging.getLogger(__name__)


@requires(Cap.VIEW_ACCOUNTS)
@require_GET
def portfolio(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    form = PortfolioFilterForm(request.GET)
    if not form.is_valid():
        raise BadInput.from_form(form)
    filters = form.values()
    accounts = portfolio_accounts(user=request.user, filters=filters, today=timezone.localdate(now))
    page = page_by_ids(accounts, number=request.GET.get("page"), per_page=PAGE_SIZE)
    context = {
        "form": form,
        "page": page,
        "query": filter_query(request.GET, drop=("page",)),
        "sort_query": filter_query(request.GET, drop=("page", "sort")),
        "sort": filters.get("sort") or "score",
        "now": now,
    }
    context["saved_views"] = saved_views_of(request.user, SavedView.Page.PORTFOLIO)
    response = render(request, partial_template(request, "accounts/portfolio.html", "results"), context)
    return push_clean_url(request, response, "portfolio-results")


def saved_views_of(user, page: str) -> list[SavedView]:
    return list(SavedView.objects.filter(user=user, page=page).order_by("name"))


@requires(Cap.VIEW_ACCOUNTS)
@require_GET
def portfolio_export(request: HttpRequest) -> HttpResponse:
    """The portfolio as CSV: every account the filters select (all pages), in the table's order."""
    today = timezone.localdate()
    filters = PortfolioFilterForm(request.GET).values()
    accounts = portfolio_accounts(user=request.user, filters=filters, today=today)
    header = ["external_id", "name", "score", "tier", "trend", "delta_30", "segment", "owner", "arr", "renewal_date",
              "status", "top_reason"]

    def rows():
        for a in accounts.iterator(chunk_size=2000):
            score = getattr(a, "score", None)
            owner = (a.owner.get_full_name() or a.owner.username) if a.owner else ""
            reasons = ((score.components or {}).get("top_reasons") or [""])[0] if score else ""
            yield [a.external_id, a.name, f"{score.score:.1f}" if score else "", score.tier if score else "",
                   score.trend if score else "", f"{score.delta_30:.1f}" if score and score.delta_30 is not None else "",
                   a.segment.name if a.segment else "", owner, a.arr, a.renewal_date or "", a.status, reasons]

    return csv_response(filename=f"portfolio-{today.isoformat()}.csv", header=header, rows=rows())


@requires(Cap.VIEW_ACCOUNTS)
@require_POST
def saved_view_new(request: HttpRequest) -> HttpResponse:
    """Save the current filters of a list page under a name; back to that page with them."""
    form = SavedViewForm(request.POST)
    targets = {"queue": "playbooks:queue", "portfolio": "accounts:portfolio", "tickets": "support:tickets"}
    page = request.POST.get("page", "")
    target = reverse(targets.get(page, "accounts:portfolio"))
    if form.is_valid():
        try:
            view = saved_view_save(user=request.user, page=page, name=form.cleaned_data["name"],
                                   query=form.cleaned_data["query"])
        except ValidationError as error:
            messages.error(request, "; ".join(m for ms in error.message_dict.values() for m in ms))
        else:
            messages.success(request, f"Saved the view “{view.name}”.")
            return redirect(f"{target}?{view.query}" if view.query else target)
    else:
        messages.error(request, "; ".join(" ".join(e) for e in form.errors.values()))
    return redirect(target)


@requires(Cap.VIEW_ACCOUNTS)
@require_POST
def saved_view_delete(request: HttpRequest, pk: int) -> HttpResponse:
    view = get_object_or_404(SavedView, pk=pk, user=request.user)
    view.delete()
    messages.success(request, f"Deleted the view “{view.name}”.")
    targets = {"queue": "playbooks:queue", "portfolio": "accounts:portfolio", "tickets": "support:tickets"}
    return redirect(targets[view.page])


@requires(Cap.VIEW_ACCOUNTS, post=Cap.ACT_ON_ACCOUNTS)
def timeline(request: HttpRequest, external_id: str) -> HttpResponse:
    """The account's story in one stream, and a note form for those who may act on it."""
    account = get_account_for_user(request.user, external_id)
    can_act = can_act_on_account(request.user, account)
    form = NoteForm(request.POST or None)
    if request.method == "POST":
        if not can_act:
            raise PermissionDenied("You cannot add notes to this account.")
        if form.is_valid():
            try:
                account_note_add(account=account, author=request.user, body=form.cleaned_data["body"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return redirect("accounts:timeline", external_id=account.external_id)
    status = 422 if form.errors else 200
    context = {"account": account, "entries": account_timeline(account=account), "note_form": form, "can_act": can_act}
    return render(request, "accounts/timeline.html", context, status=status)


@requires(Cap.VIEW_ACCOUNTS)
@require_GET
def overrides(request: HttpRequest) -> HttpResponse:
    """Every active flag on the accounts the person can see: what is holding scores down, until when."""
    now = timezone.now()
    active = (
        Override.objects.filter(account__in=visible_accounts(request.user), revoked_at__isnull=True, expires_at__gt=now)
        .select_related("account", "account__score", "created_by")
        .order_by("expires_at", "pk")
    )
    return render(request, "accounts/overrides.html", {"overrides": list(active[:500]), "now": now})


def _detail_context(request: HttpRequest, account, override_form: OverrideForm | None = None) -> dict:
    now = timezone.now()
    data = account_detail(account=account, now=now)
    can_act = can_act_on_account(request.user, account)
    return {
        "account": account,
        "now": now,
        "today": timezone.localdate(now),
        "chart": history_chart(data["history"]),
        "can_act": can_act,
        "override_form": override_form or OverrideForm(initial={"effect": "cap", "value": 40}),
        "sentiment": sentiment_trend(account),
        "sentiment_words": sorted(SENTIMENT_WORDS.items()),
        **data,
    }


@requires(Cap.VIEW_ACCOUNTS)
@require_GET
def detail(request: HttpRequest, external_id: str) -> HttpResponse:
    account = get_account_for_user(request.user, external_id)
    return render(request, "accounts/detail.html", _detail_context(request, account))


@requires(Cap.ACT_ON_ACCOUNTS)
@require_POST
def override_new(request: HttpRequest, external_id: str) -> HttpResponse:
    account = get_account_for_user(request.user, external_id, act=True)
    form = OverrideForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            override_create(
                account=account, actor=request.user, reason=data["reason"], effect=data["effect"], value=data["value"],
                expires_on=data["expires"], note=data["note"], now=timezone.now(),
            )
        except ValidationError as error:
            form.add_error(None, error)
    if form.errors:
        context = _detail_context(request, account, override_form=form)
        template = "accounts/detail.html#override" if request.htmx else "accounts/detail.html"
        return render(request, template, context, status=422)
    # "Recomputed at once": the account's score, banner and tasks follow the flag before the answer
    # (the queued recompute finds nothing left to do). A failure leaves it to the queued one.
    try:
        recompute_now([account.pk])
    except Exception:  # noqa: BLE001 - the flag is stored; the worker retries the recompute
        logger.exception("synchronous recompute after a flag failed", extra={"account": account.pk})
    if request.htmx:
        # The whole page swaps in place (score, banner, tasks, change log), no reload.
        response = render(request, "accounts/detail.html", _detail_context(request, account))
        response = retarget(reswap(response, "outerHTML"), "#main")
        response["HX-Reselect"] = "#main"
        return response
    return redirect("accounts:detail", external_id=account.external_id)


@requires(Cap.ACT_ON_ACCOUNTS)
@require_POST
def sentiment_new(request: HttpRequest, external_id: str) -> HttpResponse:
    """The CSM's quick 1–5: stored (one per CSM and day), audited, and the score recomputed at once."""
    account = get_account_for_user(request.user, external_id, act=True)
    try:
        value = int(request.POST.get("value", ""))
        sentiment_record(account=account, actor=request.user, value=value, now=timezone.now())
    except (ValueError, ValidationError):
        messages.error(request, "Sentiment is a whole number from 1 to 5.")
        return redirect(reverse("accounts:detail", args=[account.external_id]) + "#sentiment")
    try:
        recompute_now([account.pk])
    except Exception:  # noqa: BLE001 - the rating and its recompute request are stored; the worker does it
        logger.exception("synchronous recompute after a sentiment failed", extra={"account": account.pk})
    messages.success(request, f"Sentiment recorded: {value} of 5 ({SENTIMENT_WORDS[value]}).")
    return redirect(reverse("accounts:detail", args=[account.external_id]) + "#sentiment")
