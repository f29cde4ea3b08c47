"""Styled 403/404/500 pages in the workspace layout, and a favicon (no 404 in every page load)."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import Client

pytestmark = pytest.mark.django_db


def test_it_answers_an_unknown_account_with_the_styled_404_page(client, alice):
    client.force_login(alice)
    response = client.get("/accounts/no-such-account/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "We couldn’t find that" in html and "/static/css/app.css" in html and 'class="skip-link"' in html


def test_it_answers_a_forbidden_page_with_the_styled_403_page_and_its_reason(client, support):
    client.force_login(support)
    response = client.get("/queue/")
    html = response.content.decode()
    assert response.status_code == 403
    assert "You can’t open this page" in html and "The queue is for CSMs and their managers." in html


def test_it_renders_the_500_page_without_a_request():
    # Django's server_error view renders 500.html with an empty context: it must not need one.
    html = render_to_string("500.html")
    assert "Something went wrong on our side" in html and "/static/css/app.css" in html


def test_it_serves_a_favicon_linked_from_every_page(client):
    html = client.get("/login/").content.decode()
    assert 'rel="icon" href="/static/favicon.svg"' in html
    response = Client().get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == "/static/favicon.svg"
