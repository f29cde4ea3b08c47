"""Portfolio table and account page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.access import can_act_on_account, get_account_for_user
from accounts.forms import OverrideForm, PortfolioFilterForm
from accounts.roles import roles_of
from accounts.selectors import account_detail, filter_query, page_by_ids, portfolio_accounts
from healthscore.bounds import BadInput
from healthscore.views import partial_template, push_clean_url
from scoring.charts import history_chart
from scoring.overrides import override_create

PAGE_SIZE = 50


def _require_role(request: HttpRequest) -> None:
    if not roles_of(request.user):
        raise PermissionDenied("Your user has no Healthscore role yet.")


@login_required
@require_GET
def portfolio(request: HttpRequest) -> HttpResponse:
    _require_role(request)
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
    response = render(request, partial_template(request, "accounts/portfolio.html", "results"), context)
    return push_clean_url(request, response, "portfolio-results")


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
        **data,
    }


@login_required
@require_GET
def detail(request: HttpRequest, external_id: str) -> HttpResponse:
    _require_role(request)
    account = get_account_for_user(request.user, external_id)
    return render(request, "accounts/detail.html", _detail_context(request, account))


@login_required
@require_POST
def override_new(request: HttpRequest, external_id: str) -> HttpResponse:
    _require_role(request)
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
    if request.htmx:
        return HttpResponseClientRedirect(reverse("accounts:detail", args=[account.external_id]))
    return redirect("accounts:detail", external_id=account.external_id)
