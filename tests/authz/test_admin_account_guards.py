"""The admin's account page keeps the guards the API and the imports keep (#12): an inline domain may not
be a public mail domain or another account's, and a contact's email may not sit on another account's
domain (it would pull that account's tickets and badges to this one). A refused row saves nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import AccountDomain, Contact
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def _form_data(response) -> dict:
    """The change form as the browser would post it back unchanged: the main form and every inline."""
    data = {}
    form = response.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        data[name] = [str(v) for v in value] if isinstance(value, list | tuple) else str(value)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[f"{formset.prefix}-{name}"] = str(management[name].value())
        for sub in formset.forms:
            for name in sub.fields:
                value = sub[name].value()
                if value not in (None, ""):
                    data[sub.add_prefix(name)] = str(value)
    return data


def _with_row(data: dict, prefix: str, row: dict) -> dict:
    n = int(data[f"{prefix}-TOTAL_FORMS"])
    data = dict(data)
    data[f"{prefix}-TOTAL_FORMS"] = str(n + 1)
    data.update({f"{prefix}-{n}-{k}": v for k, v in row.items()})
    return data


def _prefix(response, model) -> str:
    return next(i.formset.prefix for i in response.context["inline_admin_formsets"] if i.formset.model is model)


@pytest.fixture
def page(client, ops):
    client.force_login(ops)
    mine = AccountFactory(external_id="mine")
    theirs = AccountFactory(external_id="theirs")
    AccountDomain.objects.create(account=theirs, domain="theirs.example")
    url = reverse("admin:accounts_account_change", args=[mine.pk])
    return client, url, mine, client.get(url)


@pytest.mark.parametrize("domain, reason", [
    ("gmail.com", "public mail domains"),
    ("Theirs.Example", "already used by another account"),
])
def test_an_inline_domain_is_refused_like_the_api_refuses_it(page, domain, reason):
    client, url, mine, response = page
    data = _with_row(_form_data(response), _prefix(response, AccountDomain), {"domain": domain})
    answer = client.post(url, data)
    assert answer.status_code == 200  # the form again, with the error
    assert reason in answer.content.decode()
    assert not mine.domains.exists()


def test_an_own_domain_is_stored_lowercased(page):
    client, url, mine, response = page
    data = _with_row(_form_data(response), _prefix(response, AccountDomain), {"domain": " Mine.Example "})
    assert client.post(url, data).status_code == 302
    assert list(mine.domains.values_list("domain", flat=True)) == ["mine.example"]


def test_an_inline_contact_on_another_accounts_domain_is_refused(page):
    client, url, mine, response = page
    data = _with_row(_form_data(response), _prefix(response, Contact),
                     {"name": "Spy", "email": "ceo@theirs.example", "role": "user"})
    answer = client.post(url, data)
    assert answer.status_code == 200
    assert "belongs to another account" in answer.content.decode()
    assert not Contact.objects.filter(email="ceo@theirs.example").exists()


def test_the_contact_page_refuses_it_too_and_accepts_an_own_email(client, ops):
    client.force_login(ops)
    mine = AccountFactory(external_id="mine")
    theirs = AccountFactory(external_id="theirs")
    AccountDomain.objects.create(account=theirs, domain="theirs.example")
    url = reverse("admin:accounts_contact_add")
    base = {"account": str(mine.pk), "name": "A", "role": "user"}
    refused = client.post(url, {**base, "email": "a@theirs.example"})
    assert refused.status_code == 200 and "belongs to another account" in refused.content.decode()
    assert client.post(url, {**base, "email": "a@mine.example"}).status_code == 302
    assert list(Contact.objects.values_list("email", flat=True)) == ["a@mine.example"]


def test_a_new_account_with_an_inline_contact_on_a_free_domain_saves(client, ops):
    """Creating an account (no pk yet) runs the same check without tripping over the unsaved account."""
    client.force_login(ops)
    url = reverse("admin:accounts_account_add")
    response = client.get(url)
    data = _form_data(response)
    data.update({"name": "New", "external_id": "new-1", "arr": "100", "contract_type": "annual",
                 "lifecycle_stage": "adoption", "status": "active"})
    data = _with_row(data, _prefix(response, Contact), {"name": "B", "email": "b@new.example", "role": "user"})
    answer = client.post(url, data)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert Contact.objects.get().account.external_id == "new-1"
