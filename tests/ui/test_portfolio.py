from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from scoring.models import Segment
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "portfolio-results"}


@pytest.fixture
def book(alice, bob, team, make_score):
    today = timezone.localdate()
    ent = Segment.objects.create(name="Enterprise", slug="enterprise")
    a = AccountFactory(name="Alpha", owner=alice, team=team, arr=250000, segment=ent, renewal_date=today + dt.timedelta(days=20))
    b = AccountFactory(name="Beta", owner=alice, team=team, arr=30000, renewal_date=today + dt.timedelta(days=75))
    c = AccountFactory(name="Gamma", owner=bob, team=team, arr=90000, renewal_date=today + dt.timedelta(days=300))
    d = AccountFactory(name="Delta", owner=None, arr=5000)
    make_score(a, 35, trend="rapid_decline")
    make_score(b, 62, trend="gradual_decline")
    make_score(c, 88, trend="improving")
    make_score(d, 71)
    return {"ent": ent}


def rows(html: str) -> list[str]:
    body = html[html.index("<tbody>"):html.index("</tbody>")]
    return re.findall(r'<td><a href="/accounts/[^"]+/">([^<]+)</a>', body)


def test_it_lists_every_visible_account_worst_first_with_badges(client, manager, book):
    client.force_login(manager)
    html = client.get(reverse("accounts:portfolio")).content.decode()
    assert rows(html) == ["Alpha", "Beta", "Delta", "Gamma"]
    assert html.count('class="badge tier-') == 4 and "<html" in html


def test_it_shows_a_csm_their_teams_accounts_only(client, alice, book):
    client.force_login(alice)
    assert rows(client.get(reverse("accounts:portfolio")).content.decode()) == ["Alpha", "Beta", "Gamma"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"tier": "red"}, ["Alpha"]),
        ({"trend": "improving"}, ["Gamma"]),
        ({"segment": "ent"}, ["Alpha"]),
        ({"owner": "none"}, ["Delta"]),
        ({"renewal": "90"}, ["Alpha", "Beta"]),
        ({"arr_min": "30000", "arr_max": "100000"}, ["Beta", "Gamma"]),
        ({"q": "mm"}, ["Gamma"]),
        ({"sort": "-arr"}, ["Alpha", "Gamma", "Beta", "Delta"]),
        ({"sort": "name"}, ["Alpha", "Beta", "Delta", "Gamma"]),
        ({"sort": "-score"}, ["Gamma", "Delta", "Beta", "Alpha"]),
    ],
)
def test_it_filters_and_sorts_in_a_partial(client, manager, book, params, expected):
    if params.get("segment") == "ent":
        params = {"segment": book["ent"].pk}
    client.force_login(manager)
    response = client.get(reverse("accounts:portfolio"), params, **HX)
    html = response.content.decode()
    assert "<html" not in html and html.lstrip().startswith('<section id="portfolio-results" data-results>')
    assert rows(html) == expected


def test_it_hides_churned_accounts_unless_asked(client, manager, team, book):
    AccountFactory(name="Omega", team=team, status="churned")
    client.force_login(manager)
    url = reverse("accounts:portfolio")
    assert "Omega" not in rows(client.get(url).content.decode())
    assert rows(client.get(url, {"status": "churned"}).content.decode()) == ["Omega"]
    assert len(rows(client.get(url, {"status": "all"}).content.decode())) == 5


def test_it_filters_by_owner(client, manager, bob, book):
    client.force_login(manager)
    assert rows(client.get(reverse("accounts:portfolio"), {"owner": bob.pk}).content.decode()) == ["Gamma"]


def test_it_paginates(client, manager, team, make_score):
    AccountFactory.create_batch(55, team=team)
    client.force_login(manager)
    html = client.get(reverse("accounts:portfolio")).content.decode()
    assert len(rows(html)) == 50 and "Page 1 of 2" in html
    assert len(rows(client.get(reverse("accounts:portfolio"), {"page": 2}).content.decode())) == 5


def test_it_lets_support_read_and_refuses_roleless_users(client, support, nobody, book):
    client.force_login(support)
    assert client.get(reverse("accounts:portfolio")).status_code == 200
    client.force_login(nobody)
    assert client.get(reverse("accounts:portfolio")).status_code == 403
