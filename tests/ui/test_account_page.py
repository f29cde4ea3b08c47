from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Contact, Outcome
from scoring.models import ScoreChange
from support.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def rich_account(alice_account, make_snapshots, make_task, alice, scoring_setup):
    today = timezone.localdate()
    make_snapshots(alice_account, [70, 66, 61, 55, 48, 42], end=today)
    ScoreChange.objects.create(
        account=alice_account, date=today, from_score=70, to_score=42, from_tier="yellow", to_tier="red", tier_changed=True,
        cause="data", model_version=scoring_setup.version, summary="−28: weekly logins −20, NPS −8",
        signal_deltas=[{"signal": "weekly_logins", "label": "Logins per week", "delta": -20}],
    )
    Contact.objects.create(account=alice_account, name="Dana Reyes", role="champion", title="Head of Ops",
                           in_role_since=dt.date(2024, 3, 1))
    Contact.objects.create(account=alice_account, name="Sam Ortiz", role="executive_sponsor", left_at=dt.date(2026, 10, 2))
    Outcome.objects.create(account=alice_account, kind="renewed", date=dt.date(2025, 12, 1), arr_change=10000)
    Ticket.objects.create(account=alice_account, external_id="4711", subject="SSO login broken", status="open",
                          escalated=True, opened_at=timezone.now(), updated_at=timezone.now())
    make_task(alice_account, assignee=alice)
    make_task(alice_account, assignee=alice, step_order=2, status="done", outcome_note="Called Dana",
              closed_at=timezone.now(), closed_by=alice)
    return alice_account


def test_it_shows_score_tier_trend_and_deltas(client, alice, rich_account):
    client.force_login(alice)
    html = client.get(reverse("accounts:detail", args=["acme"])).content.decode()
    assert "Acme Corp" in html and "<span>42</span>" in html
    assert "Rapid decline" in html
    assert "7 d <b>−8.0</b>" in html and "30 d <b>−22.5</b>" in html and "90 d <b>−30.0</b>" in html


def test_it_explains_each_signal_sorted_by_points_lost_with_freshness(client, alice, rich_account):
    client.force_login(alice)
    html = client.get(reverse("accounts:detail", args=["acme"])).content.decode()
    explain = html[html.index('id="explanation"'):html.index('id="history"')]
    assert explain.index("Logins per week") < explain.index("NPS response")  # 52.0 lost vs 6.0 lost
    assert "−52.0" in explain and "−6.0" in explain and "−58.0" in explain  # 0.7·(100−25.7), 0.3·20, total
    assert "70%" in explain and "30%" in explain
    assert "no data since 3 Nov" in explain
    assert "updated 20 Nov" in explain


def test_it_shows_the_history_chart_change_log_tasks_contacts_outcomes_tickets(client, alice, rich_account):
    client.force_login(alice)
    html = client.get(reverse("accounts:detail", args=["acme"])).content.decode()
    assert '<svg class="chart history"' in html and html.count('class="point"') == 6
    assert "−28: weekly logins −20, NPS −8" in html and "Data" in html
    assert "Call the champion" in html and "Called Dana" in html
    assert "Dana Reyes" in html and "in role since 1 Mar 2024" in html and "left 2 Oct" in html
    assert "Renewed" in html
    assert "#4711" in html and "SSO login broken" in html and "Escalated" in html


def test_it_offers_the_override_form_to_the_owner_and_manager_only(client, alice, bob, manager, support, rich_account):
    url = reverse("accounts:detail", args=["acme"])
    for user, expected in ((alice, True), (manager, True), (support, False)):
        client.force_login(user)
        html = client.get(url).content.decode()
        assert ('id="override"' in html) is expected, user


def test_it_lets_a_teammate_read_but_not_flag(client, bob, rich_account):
    client.force_login(bob)
    response = client.get(reverse("accounts:detail", args=["acme"]))
    assert response.status_code == 200 and 'id="override"' not in response.content.decode()


def test_it_hides_accounts_of_other_teams(client, rich_account):
    from django.contrib.auth.models import Group, User

    carol = User.objects.create_user("carol", password="pw")
    carol.groups.add(Group.objects.get(name="CSM"))
    client.force_login(carol)
    assert client.get(reverse("accounts:detail", args=["acme"])).status_code == 404


def test_it_refuses_roleless_users(client, nobody, rich_account):
    client.force_login(nobody)
    assert client.get(reverse("accounts:detail", args=["acme"])).status_code == 403


def test_it_renders_an_unscored_account(client, alice, team):
    from tests.factories import AccountFactory

    AccountFactory(name="Fresh", external_id="fresh", owner=alice, team=team)
    client.force_login(alice)
    response = client.get(reverse("accounts:detail", args=["fresh"]))
    assert response.status_code == 200
    assert "Not scored yet" in response.content.decode() and "No score history yet." in response.content.decode()
