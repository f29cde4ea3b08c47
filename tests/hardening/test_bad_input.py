"""Issue #12 item 4: every hostile input that answered a 5xx answers a clear 4xx naming the field, and
nothing is saved. Each case was a 500 (or a traceback) before healthscore.bounds / healthscore.errors /
healthscore.json_parser.
"""

from __future__ import annotations

import json

import pytest

from healthscore.json_parser import MAX_JSON_DEPTH
from tests.api.samples import observation_item

pytestmark = pytest.mark.django_db

OBSERVATIONS = "/api/v1/observations/"
TICKETS = "/api/v1/tickets/"


def _ticket(**over) -> dict:
    return {"tickets": [{"external_id": "T-1", "account": "acme", **over}]}


def _observations(**over) -> dict:
    # A day in the past of any "now": the bounds under test are refused before the future check.
    return {"items": [observation_item(observed_at="2026-01-05T00:00:00Z") | over]}


# (method, url, JSON body, the field the answer must name)
API_CASES = {
    "offset beyond +15:59 (observation)": ("post", OBSERVATIONS, _observations(observed_at="2026-01-05T00:00:00+16:00"), "observed_at"),
    "offset beyond -15:59 (observation)": ("post", OBSERVATIONS, _observations(observed_at="2026-01-05T00:00:00-23:59"), "observed_at"),
    "offset +20:00 (ticket)": ("post", TICKETS, _ticket(opened_at="2026-01-05T00:00:00+20:00"), "tickets[0].opened_at"),
    "offset +23:59 (Zendesk)": (
        "post", "/api/v1/tickets/zendesk/",
        {"ticket": {"id": 5, "status": "open", "created_at": "2026-01-05T00:00:00+23:59"}}, "ticket.created_at",
    ),
    "year 1 with a positive offset (observation)": (
        "post", OBSERVATIONS, _observations(observed_at="0001-01-01T00:00:00+01:00"), "observed_at",
    ),
    "year 1 with a positive offset (ticket)": ("post", TICKETS, _ticket(updated_at="0001-01-01T00:00:00+05:00"), "tickets[0].updated_at"),
    "ticket date after 9999 in UTC": ("post", TICKETS, _ticket(opened_at="9999-12-31T23:00:00-05:00"), "tickets[0].opened_at"),
    "Freshdesk date after 9999 in UTC": (
        "post", "/api/v1/tickets/freshdesk/", {"id": 7, "status": 2, "created_at": "9999-12-31T22:00:00-10:00"}, "created_at",
    ),
    "Intercom unix time after 9999": (
        "post", "/api/v1/tickets/intercom/", {"data": {"item": {"id": "c1", "state": "open", "created_at": 253402300800}}},
        "data.item.created_at",
    ),
    "400-digit integer value": ("post", OBSERVATIONS, _observations(value=10**400), "value"),
    "400-digit integer value as text": ("post", OBSERVATIONS, _observations(value="9" * 400), "value"),
    "101-character account id (upsert)": ("put", "/api/v1/accounts/" + "a" * 101, {"name": "Long"}, "external_id"),
    "NUL in the account id (upsert)": ("put", "/api/v1/accounts/ac%00me", {"name": "Nul"}, "external_id"),
    "101-character account id (outcome)": (
        "post", "/api/v1/outcomes/", {"account": "a" * 101, "kind": "churned", "date": "2026-01-05"}, "account",
    ),
    "NUL in the account id (outcome)": (
        "post", "/api/v1/outcomes/", {"account": "ac\x00me", "kind": "churned", "date": "2026-01-05"}, "account",
    ),
    "NUL in the account id (observation)": ("post", OBSERVATIONS, _observations(account="ac\x00me"), "account"),
    "101-character account id (ticket)": ("post", TICKETS, _ticket(account="a" * 101), "account"),
    "NUL in /api/v1/accounts/%00/health": ("get", "/api/v1/accounts/%00/health", None, "external_id"),
    "NUL in /api/v1/accounts/%00/contacts/": ("post", "/api/v1/accounts/%00/contacts/", {"contacts": []}, "external_id"),
    "outcome dated year 1": ("post", "/api/v1/outcomes/", {"account": "acme", "kind": "churned", "date": "0001-01-01"}, "date"),
    "renewal in year 9999": ("put", "/api/v1/accounts/acme", {"renewal_date": "9999-12-31"}, "renewal_date"),
}


@pytest.mark.parametrize("case", API_CASES.values(), ids=API_CASES.keys())
def test_the_api_answers_400_naming_the_field_and_stores_nothing(api, acme, row_counts, case):
    method, url, body, field = case
    before = row_counts()

    response = getattr(api, method)(url, body, format="json") if body is not None else getattr(api, method)(url)

    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/json")
    assert field in response.content.decode(), response.content
    assert row_counts() == before


def _nested(depth: int) -> str:
    return '{"ticket": {"id": 1, "status": "open", "tags": ' + "[" * depth + "]" * depth + "}}"


@pytest.mark.parametrize(
    ("url", "body"),
    [
        (OBSERVATIONS, "[" * 100_000),  # RecursionError inside the json module
        (OBSERVATIONS, '{"items": ' + "[" * 5000 + "]" * 5000 + "}"),
        ("/api/v1/tickets/zendesk/", _nested(900)),  # parsed, then RecursionError in the adapter
        ("/api/v1/tickets/zendesk/", _nested(MAX_JSON_DEPTH)),  # just past the limit (the envelope adds 2)
    ],
    ids=["100k brackets", "5k brackets", "900 levels", "limit + 2"],
)
def test_deeply_nested_json_is_refused_with_400(api, acme, row_counts, url, body):
    before = row_counts()
    response = api.generic("POST", url, body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["detail"] == f"body: JSON nested deeper than {MAX_JSON_DEPTH} levels."
    assert row_counts() == before


def test_json_nested_within_the_limit_is_accepted(api, acme):
    response = api.generic("POST", "/api/v1/tickets/zendesk/", _nested(MAX_JSON_DEPTH - 2), content_type="application/json")
    assert response.status_code == 201, response.content


def test_a_body_over_the_size_limit_is_refused_with_413(api, acme, row_counts, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    batch = {"items": [observation_item(observed_at="2026-01-05T00:00:00Z", key=f"k{i}") for i in range(100)]}
    body = json.dumps(batch)
    assert len(body) > 4096
    before = row_counts()

    response = api.generic("POST", OBSERVATIONS, body, content_type="application/json")

    assert response.status_code == 413, response.content
    assert response.json()["detail"] == "body: larger than the limit of 4096 bytes."
    assert row_counts() == before
    # The same batch within the limit is stored.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = len(body)
    assert api.generic("POST", OBSERVATIONS, body, content_type="application/json").status_code == 201


def test_a_body_that_is_not_utf8_is_refused_with_400(api, acme):
    response = api.generic("POST", OBSERVATIONS, b'{"items": ["\xff\xfe"]}', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"] == "body: not valid utf-8 text."


def test_the_api_takes_json_only(api, acme, row_counts):
    before = row_counts()
    response = api.post(OBSERVATIONS, "items=1", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert row_counts() == before


# --- pages ---------------------------------------------------------------------------------------

PAGE_CASES = {
    "/accounts/%00/": "external_id",
    "/badge/%00": "external_id",
    "/badge/?email=%00": "email",
    "/badge/?domain=%00": "domain",
    "/accounts/?arr_min=1e999999": "arr_min",
    "/accounts/?arr_max=" + "9" * 400: "arr_max",
    "/validation/?start=0001-01-01": "start",
    "/validation/?end=9999-12-31": "end",
    "/queue/?q=%00": "q",
}


@pytest.mark.parametrize(("url", "field"), PAGE_CASES.items(), ids=PAGE_CASES.keys())
def test_pages_answer_400_naming_the_field(client, ops, acme, url, field):
    client.force_login(ops)
    response = client.get(url)
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"].startswith("text/html")
    assert f"<strong>{field}</strong>" in response.content.decode()


def test_the_badge_answers_json_400_to_a_json_client(client, ops, acme):
    client.force_login(ops)
    response = client.get("/badge/?email=%00", HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "email: must not contain NUL characters",
                               "errors": {"email": "must not contain NUL characters"}}


def test_good_filters_still_work(client, ops, acme):
    client.force_login(ops)
    assert client.get("/accounts/?arr_min=1000.50&arr_max=99999999999.99").status_code == 200
    assert client.get("/validation/?start=2026-01-01&end=2026-06-30").status_code == 200
