from __future__ import annotations

import datetime as dt

import pytest

from support.models import Ticket
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)


def make_ticket(external_id, account, *, status="open", minutes=0):
    at = T0 + dt.timedelta(minutes=minutes)
    return Ticket.objects.create(
        source="zendesk", external_id=external_id, account=account, subject=f"Subject {external_id}",
        status=status, opened_at=at, updated_at=at,
    )  # fmt: skip


@pytest.fixture
def world(scoring_setup, personas, scored):
    alice, bob = personas["alice"], personas["bob"]
    red = AccountFactory(external_id="red", name="Red Co", owner=alice)
    green = AccountFactory(external_id="green", name="Green Co", owner=bob)
    unscored = AccountFactory(external_id="unscored", name="Unscored Co", owner=bob)
    scored(red, score=30, tier="red")
    scored(green, score=90, tier="green", trend="improving")
    make_ticket("G1", green, minutes=30)  # newest, but green
    make_ticket("R1", red, minutes=1)
    make_ticket("R2", red, status="solved", minutes=2)
    make_ticket("U1", unscored, minutes=20)
    make_ticket("X1", None, minutes=10)
    return {"red": red, "green": green}


def ids(response) -> list[str]:
    return [row["ticket"].external_id for row in response.context["rows"]]


def test_it_lists_red_account_tickets_first_and_flags_them(client, world, personas):
    client.force_login(personas["support"])
    response = client.get("/tickets/")
    assert response.status_code == 200
    assert ids(response) == ["R2", "R1", "G1", "U1", "X1"]
    html = response.content.decode()
    assert html.count('class="ticket ticket-red"') == 2
    assert html.count('title="Red account"') == 2
    assert "Red Co" in html and "Logins per week low" in html


def test_it_filters_by_tier_and_status(client, world, personas):
    client.force_login(personas["manager"])
    assert ids(client.get("/tickets/?tier=red")) == ["R2", "R1"]
    assert ids(client.get("/tickets/?tier=green")) == ["G1"]
    assert ids(client.get("/tickets/?tier=none")) == ["U1"]
    assert ids(client.get("/tickets/?status=solved")) == ["R2"]
    assert ids(client.get("/tickets/?tier=red&status=open")) == ["R1"]
    assert ids(client.get("/tickets/?status=active")) == ["R1", "G1", "U1", "X1"]


def test_it_uses_a_constant_number_of_queries(client, world, personas, django_assert_max_num_queries):
    client.force_login(personas["ops"])
    client.get("/tickets/")
    for i in range(20):
        make_ticket(f"N{i}", world["green"], minutes=40 + i)
    with django_assert_max_num_queries(8):
        client.get("/tickets/")


@pytest.mark.parametrize(
    "who, expected",
    [
        ("support", ["R2", "R1", "G1", "U1", "X1"]),
        ("manager", ["R2", "R1", "G1", "U1", "X1"]),
        ("ops", ["R2", "R1", "G1", "U1", "X1"]),
        ("alice", ["R2", "R1"]),  # CSMs: tickets of their own accounts only, no unmatched tickets
    ],
)
def test_it_shows_each_role_its_tickets(client, world, personas, who, expected):
    client.force_login(personas[who])
    assert ids(client.get("/tickets/")) == expected


def test_it_shows_a_csm_outside_a_team_only_their_own_accounts(client, scoring_setup, scored):
    from django.contrib.auth.models import Group, User

    solo = User.objects.create_user("solo", password="pw")
    solo.groups.add(Group.objects.get(name="CSM"))
    mine = AccountFactory(owner=solo)
    make_ticket("M1", mine)
    make_ticket("O1", AccountFactory())
    client.force_login(solo)
    assert ids(client.get("/tickets/")) == ["M1"]


def test_it_refuses_people_without_a_role_and_asks_strangers_to_log_in(client, world, personas):
    client.force_login(personas["nobody"])
    assert client.get("/tickets/").status_code == 403
    client.logout()
    response = client.get("/tickets/")
    assert response.status_code == 302 and "/login/" in response["Location"]
