"""#12 item 5: a new API key is shown once in the page, never carried in the messages cookie."""

from __future__ import annotations

from support.models import ApiToken


def test_it_shows_the_new_key_in_the_page_and_not_in_a_cookie(client, ops):
    client.force_login(ops)
    response = client.post(
        "/admin/support/apitoken/add/", {"name": "Zendesk", "scope_read": "on", "account": ""}
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(name="Zendesk")
    key = response.context["key"]
    assert ApiToken.hash_key(key) == token.key_hash
    assert key.encode() in response.content
    assert "no-store" in response["Cache-Control"]
    # Nothing of the key travels in a cookie (messages) or lands in the session.
    assert all(key not in morsel.value for morsel in response.cookies.values())
    assert all(key not in morsel.value for morsel in client.cookies.values())
    assert key not in str(dict(client.session))
    again = client.get(f"/admin/support/apitoken/{token.pk}/change/")
    assert key.encode() not in again.content
