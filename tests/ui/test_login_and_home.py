from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_it_shows_the_login_page_in_the_base_layout(client):
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="username"' in html and 'name="password"' in html and "/static/css/app.css" in html
    assert "htmx" in html and "https://" not in html  # everything served locally, works offline


def test_it_logs_a_csm_in_to_their_queue_and_out_again(client, alice):
    response = client.post(reverse("login"), {"username": "alice", "password": "pw"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("playbooks:queue")
    response = client.post(reverse("logout"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("login")
    assert client.get(reverse("playbooks:queue")).status_code == 302


def test_it_rejects_a_wrong_password(client, alice):
    response = client.post(reverse("login"), {"username": "alice", "password": "nope"})
    assert response.status_code == 200 and "Please try again." in response.content.decode()


@pytest.mark.parametrize(("who", "target"), [("alice", "playbooks:queue"), ("manager", "playbooks:dashboard"),
                                           ("ops", "admin:index"), ("support", "support:tickets")])
def test_it_sends_each_role_home(client, personas, who, target):
    client.force_login(personas[who])
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse(target)


def test_it_refuses_users_without_a_role(client, nobody):
    client.force_login(nobody)
    assert client.get(reverse("home")).status_code == 403


def test_it_answers_a_user_without_a_role_with_the_styled_403_page(client, nobody):
    client.force_login(nobody)
    response = client.get(reverse("home"))
    html = response.content.decode()
    assert response.status_code == 403
    assert "You can’t open this page" in html and "no Healthscore role yet" in html and "/static/css/app.css" in html
