from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from accounts.models import Contact, Outcome

pytestmark = pytest.mark.django_db

URL = "/api/v1/accounts/acme/contacts/"
CHAMPION = {"name": "Dana Scully", "email": "Dana@Acme.com", "role": "champion", "in_role_since": "2025-01-01"}
SPONSOR = {"name": "Walter Skinner", "email": "walter@acme.com", "role": "executive_sponsor"}


def test_it_adds_contacts_and_updates_them_by_email(api, acme):
    response = api.post(URL, {"contacts": [CHAMPION, SPONSOR]}, format="json")
    assert response.status_code == 200
    assert (response.json()["created"], response.json()["updated"]) == (2, 0)
    left = {**CHAMPION, "email": "dana@acme.com", "left_at": "2026-10-01"}
    response = api.post(URL, {"contacts": [left]}, format="json")
    assert (response.json()["created"], response.json()["updated"]) == (0, 1)
    dana = Contact.objects.get(email="dana@acme.com")
    assert dana.left_at == dt.date(2026, 10, 1)
    assert Contact.objects.filter(account=acme).count() == 2


def test_it_replaces_the_list_with_put(api, acme):
    api.post(URL, {"contacts": [CHAMPION, SPONSOR]}, format="json")
    response = api.put(URL, {"contacts": [SPONSOR]}, format="json")
    assert response.status_code == 200
    assert list(Contact.objects.filter(account=acme).values_list("name", flat=True)) == ["Walter Skinner"]


@pytest.mark.parametrize(
    "contacts",
    [[{"email": "x@acme.com"}], [{**CHAMPION, "role": "hero"}], [{**CHAMPION, "email": "nope"}], [CHAMPION, CHAMPION]],
)
def test_it_rejects_bad_contacts(api, acme, contacts):
    response = api.post(URL, {"contacts": contacts}, format="json")
    assert response.status_code == 400
    assert "contacts" in response.json()
    assert Contact.objects.count() == 0


def test_it_answers_404_for_an_unknown_account(api, acme):
    assert api.post("/api/v1/accounts/nope/contacts/", {"contacts": [SPONSOR]}, format="json").status_code == 404


def test_it_records_an_outcome_and_updates_it_on_replay(api, acme):
    body = {"account": "acme", "kind": "renewed", "date": "2026-10-01", "arr_change": "5000.00", "note": "3y"}
    response = api.post("/api/v1/outcomes/", body, format="json")
    assert response.status_code == 201
    assert response.json()["created"] is True
    again = api.post("/api/v1/outcomes/", {**body, "arr_change": 6000}, format="json")
    assert again.status_code == 200
    outcome = Outcome.objects.get()
    assert (outcome.kind, outcome.date, outcome.arr_change) == ("renewed", dt.date(2026, 10, 1), Decimal("6000.00"))


@pytest.mark.parametrize(
    "body, status, field",
    [
        ({"account": "acme", "kind": "won", "date": "2026-10-01"}, 400, "kind"),
        ({"account": "acme", "kind": "churned", "date": "soon"}, 400, "date"),
        ({"account": "acme", "kind": "churned"}, 400, "date"),
        ({"account": "nope", "kind": "churned", "date": "2026-10-01"}, 404, "detail"),
    ],
)
def test_it_rejects_bad_outcomes(api, acme, body, status, field):
    response = api.post("/api/v1/outcomes/", body, format="json")
    assert response.status_code == status
    assert field in response.json()
    assert Outcome.objects.count() == 0
