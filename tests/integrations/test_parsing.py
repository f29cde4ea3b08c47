"""The parsing helpers on their own: addresses, Zendesk's date placeholders and localized statuses."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import AccountDomain
from integrations import freshdesk, zendesk
from support.adapters import domain_forms, email_normalize
from support.services import _accounts_by_email
from tests.factories import AccountFactory


@pytest.mark.parametrize(
    ("raw", "normal"),
    [("Zoe.Müller1@Acme.com", "zoe.müller1@acme.com"), ("ana@MÜLLER.example", "ana@müller.example"),
     ("ana@xn--mller-kva.example", "ana@müller.example"), ("δοκιμή@παράδειγμα.δοκιμή", "δοκιμή@παράδειγμα.δοκιμή"),
     ("no-at-sign", None), ("two@@example.com", None), ("a b@example.com", None), ("a@-bad-.com", None),
     (".dot@example.com", None), ("a@example", None)],
)  # fmt: skip
def test_email_normalize(raw, normal):
    assert email_normalize(raw) == normal


def test_domain_forms_spell_both_ways():
    assert domain_forms("müller.example") == {"müller.example", "xn--mller-kva.example"}


@pytest.mark.django_db
def test_a_unicode_address_matches_a_domain_stored_as_punycode(scoring_setup):
    account = AccountFactory(external_id="m", name="Müller GmbH")
    AccountDomain.objects.create(account=account, domain="xn--mller-kva.example")
    assert _accounts_by_email({"ana@müller.example"}) == {"ana@müller.example": account.pk}


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Nov 28, 2026", dt.datetime(2026, 11, 28, tzinfo=dt.UTC)),
     ("November 28, 2026", dt.datetime(2026, 11, 28, tzinfo=dt.UTC)),
     ("28 Nov 2026", dt.datetime(2026, 11, 28, tzinfo=dt.UTC)),
     ("2026-11-28T10:15:00Z", dt.datetime(2026, 11, 28, 10, 15, tzinfo=dt.UTC)),
     ("2026-11-28T11:15:00+01:00", dt.datetime(2026, 11, 28, 10, 15, tzinfo=dt.UTC))],
)  # fmt: skip
def test_zendesk_reads_both_date_placeholders(text, expected):
    assert zendesk.when(text, "ticket.created_at") == expected


def test_zendesk_refuses_a_date_it_cannot_read():
    with pytest.raises(zendesk.PayloadError):
        zendesk.when("someday", "ticket.created_at")


@pytest.mark.parametrize(
    ("status", "category", "expected"),
    [("Offen", None, "open"), ("Wartend", None, "pending"), ("Angehalten", None, "pending"),
     ("Gelöst", None, "solved"), ("Geschlossen", None, "closed"), ("Résolu", None, "solved"),
     ("解決済み", None, "solved"), ("Waiting for vendor", "hold", "pending"), ("Done", "solved", "solved"),
     ("something new", None, "open")],
)  # fmt: skip
def test_zendesk_status_map(status, category, expected):
    assert zendesk.status_map(status, category) == expected


@pytest.mark.parametrize(("value", "expected"), [(2, "open"), ("3", "pending"), ("Resolved", "solved"), (7, "pending"),
                                                 ("Waiting on Customer", "pending")])  # fmt: skip
def test_freshdesk_status_map(value, expected):
    assert freshdesk.status_map(value) == expected
