from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
import time_machine

from accounts.models import AccountDomain, Contact
from support.badges import badge_signed_url
from support.models import ApiToken
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)


@pytest.fixture
def red_acme(acme, alice, scored):
    alice.first_name, alice.last_name = "Alice", "Smith"
    alice.save()
    acme.owner = alice
    acme.save()
    scored(acme)
    return acme


@pytest.fixture
def read_key(db) -> str:
    return ApiToken.generate(name="zendesk sidebar", scope_read=True)[1]


def relative(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_it_answers_json_with_a_read_token(client, red_acme, read_key):
    response = client.get(f"/badge/acme?format=json&token={read_key}")
    assert response.status_code == 200
    body = response.json()
    assert (body["found"], body["score"], body["tier"], body["trend_arrow"]) == (True, 43, "red", "↘")
    assert (body["trend"], body["trend_label"]) == ("gradual_decline", "Gradual decline")
    assert body["top_reasons"] == ["Logins per week low (4.2 logins): −13.9", "Open support tickets high (6 tickets): −7.5"]
    assert body["owner"] == "Alice Smith"
    assert body["url"].endswith("/accounts/acme/")
    assert body["colour"] == "#cf222e"


def test_it_picks_the_format_from_accept(client, red_acme, read_key):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {read_key}"}
    assert client.get("/badge/acme", HTTP_ACCEPT="application/json", **auth)["Content-Type"] == "application/json"
    svg = client.get("/badge/acme", HTTP_ACCEPT="image/svg+xml", **auth)
    assert svg["Content-Type"].startswith("image/svg+xml")
    assert b"Red 43" in svg.content and svg.content.startswith(b"<svg")
    html = client.get("/badge/acme", HTTP_ACCEPT="text/html,application/xhtml+xml", **auth)
    assert html["Content-Type"].startswith("text/html")
    assert "Accept" in html["Vary"]


def test_it_renders_the_sidebar_fragment(client, red_acme, read_key):
    html = client.get(f"/badge/acme?format=html&token={read_key}").content.decode()
    assert "#cf222e" in html  # tier colour
    assert ">43<" in html and "↘" in html
    assert 'title="Trend: Gradual decline"' in html
    assert "Logins per week low (4.2 logins): −13.9" in html
    assert "Open support tickets high (6 tickets): −7.5" in html
    assert "Payment health low" not in html  # only the top two reasons
    assert "CSM: Alice Smith" in html
    assert 'href="http://127.0.0.1:8000/accounts/acme/"' in html


def test_it_can_sit_in_an_iframe(client, red_acme, read_key):
    response = client.get(f"/badge/acme?token={read_key}")
    assert "X-Frame-Options" not in response
    assert client.get("/tickets/")["X-Frame-Options"] == "DENY"  # other pages keep the protection


def test_it_finds_the_account_by_email_or_domain(client, red_acme, read_key):
    AccountDomain.objects.create(account=red_acme, domain="acme.com")
    other = AccountFactory(external_id="globex")
    Contact.objects.create(account=other, name="Consultant", email="pat@acme.com")
    by_domain = client.get(f"/badge/?domain=acme.com&format=json&token={read_key}").json()
    assert by_domain["account"]["external_id"] == "acme"
    by_email = client.get(f"/badge/?email=kim@acme.com&format=json&token={read_key}").json()
    assert by_email["account"]["external_id"] == "acme"
    by_contact = client.get(f"/badge/?email=PAT@acme.com&format=json&token={read_key}").json()
    assert by_contact["account"]["external_id"] == "globex"


def test_it_answers_a_neutral_badge_for_an_unknown_account(client, acme, read_key):
    for url in ["/badge/nope", "/badge/?email=x@unknown.org", "/badge/acme"]:  # acme exists but has no score
        response = client.get(f"{url}{'&' if '?' in url else '?'}format=json&token={read_key}")
        assert response.status_code == 200
        assert (response.json()["found"], response.json()["label"]) == (False, "No health data")
    html = client.get(f"/badge/nope?token={read_key}")
    assert html.status_code == 200 and b"No health data" in html.content


def test_it_accepts_a_signed_url_until_it_expires(client, settings, red_acme):
    settings.BADGE_SIGNING_MAX_AGE = 3600
    with time_machine.travel(NOW, tick=False):
        url = relative(badge_signed_url(external_id="acme"))
        assert client.get(url + "&format=json").json()["score"] == 43
    with time_machine.travel(NOW + dt.timedelta(seconds=3599), tick=False):
        assert client.get(url).status_code == 200
    with time_machine.travel(NOW + dt.timedelta(seconds=3601), tick=False):
        expired = client.get(url + "&format=json")
    assert expired.status_code == 403
    assert expired.json()["error"] == "This badge link has expired."


def test_it_refuses_a_signature_for_another_account_or_a_tampered_one(client, red_acme):
    AccountFactory(external_id="globex")
    sig = urlsplit(badge_signed_url(external_id="acme")).query
    assert client.get(f"/badge/globex?{sig}").status_code == 403
    assert client.get("/badge/acme?sig=abc:def").status_code == 403
    lookup = relative(badge_signed_url(email="kim@acme.com"))
    assert client.get(lookup).status_code == 200
    assert client.get(lookup.replace("kim%40acme.com", "lee%40acme.com")).status_code == 403


def test_it_refuses_without_credentials_or_with_a_bad_token(client, red_acme, read_key):
    assert client.get("/badge/acme").status_code == 401
    assert client.get("/badge/acme?token=wrong").status_code == 401
    ingest_only = ApiToken.generate(name="w", scope_ingest=True, scope_read=False)[1]
    assert client.get(f"/badge/acme?token={ingest_only}").status_code == 403
    restricted = ApiToken.generate(name="r", scope_read=True, account=AccountFactory(external_id="globex"))[1]
    assert client.get(f"/badge/acme?token={restricted}").status_code == 403


def test_it_lets_people_with_a_role_view(client, personas, red_acme):
    for name, status, found in [("support", 200, True), ("alice", 200, True), ("bob", 200, False), ("nobody", 403, False)]:
        client.force_login(personas[name])
        response = client.get("/badge/acme?format=json")
        assert (response.status_code, response.json()["found"]) == (status, found), name
