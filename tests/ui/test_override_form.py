from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from scoring.models import AuditEvent, Override

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def valid(**extra) -> dict:
    data = {"reason": "champion_left", "effect": "cap", "value": "40",
            "expires": (timezone.localdate() + dt.timedelta(days=30)).isoformat(), "note": "Dana left in October"}
    return data | extra


def test_it_stores_an_override_audits_it_and_enqueues_a_recompute(client, alice, alice_account, monkeypatch):
    enqueued = []
    monkeypatch.setattr("scoring.overrides.recompute_enqueue", lambda ids: enqueued.append(list(ids)))
    client.force_login(alice)
    response = client.post(reverse("accounts:override", args=["acme"]), valid(), **HX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#main" and response["HX-Reselect"] == "#main"
    override = Override.objects.get()
    assert (override.reason, override.effect, override.value, override.created_by) == ("champion_left", "cap", 40, alice)
    assert timezone.localtime(override.expires_at).date() == timezone.localdate() + dt.timedelta(days=30)
    event = AuditEvent.objects.get()
    assert event.action == "create" and event.actor == alice and event.after["reason"] == "champion_left"
    assert enqueued == [[alice_account.pk]]


def test_it_redirects_without_htmx(client, manager, alice_account, monkeypatch):
    monkeypatch.setattr("scoring.overrides.recompute_enqueue", lambda ids: None)
    client.force_login(manager)
    response = client.post(reverse("accounts:override", args=["acme"]), valid(effect="penalty", value="15"))
    assert response.status_code == 302
    assert Override.objects.get().effect == "penalty"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"expires": "2020-01-01"}, "The expiry must be a future date."),
        ({"value": "140"}, "The value must be between 0 and 100."),
        ({"effect": "penalty", "value": "0"}, "A penalty of 0 points changes nothing."),
        ({"reason": "other", "note": ""}, "Say what happened when the reason is &#x27;Other&#x27;."),
    ],
)
def test_it_shows_validation_errors_inline(client, alice, alice_account, data, message):
    client.force_login(alice)
    response = client.post(reverse("accounts:override", args=["acme"]), valid(**data), **HX)
    assert response.status_code == 422
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card" id="override">') and "<html" not in html
    assert message in html
    assert not Override.objects.exists() and not AuditEvent.objects.exists()


@pytest.mark.parametrize("who", ["bob", "support", "nobody"])
def test_it_forbids_people_who_cannot_act_on_the_account(client, personas, alice_account, who):
    client.force_login(personas[who])
    response = client.post(reverse("accounts:override", args=["acme"]), valid(), **HX)
    assert response.status_code == 403
    assert not Override.objects.exists()


def test_a_flag_is_recomputed_once_not_again_by_its_queued_task(
    client, alice, alice_account, monkeypatch, django_capture_on_commit_callbacks
):
    """"Recomputed at once" answers the flag's durable request, so the task queued with it skips instead of
    recomputing the same data a second time (before: two full recomputes per flag)."""
    import scoring.services
    from scoring.models import RecomputeRequest
    from scoring.tasks import recompute_accounts

    real, calls, queued = scoring.services.scores_recompute, [], []
    monkeypatch.setattr("scoring.services.scores_recompute", lambda **kw: calls.append(kw["account_ids"]) or real(**kw))
    monkeypatch.setattr("scoring.tasks.recompute_requests_send", lambda requests: queued.extend(requests))
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("accounts:override", args=["acme"]), valid(), **HX).status_code == 200
    assert calls == [[alice_account.pk]]  # the answer's own recompute
    request = RecomputeRequest.objects.get()
    assert request.done_at is not None and [r.pk for r in queued] == [request.pk]

    outcome = recompute_accounts(list(request.account_ids), request=request.pk)  # the worker takes the task

    assert outcome["skipped"] == "already done" and calls == [[alice_account.pk]]


def test_a_request_made_for_other_accounts_is_left_to_its_task(alice, alice_account, bob_account):
    from scoring.models import RecomputeRequest
    from scoring.tasks import recompute_enqueue, recompute_now

    recompute_enqueue([alice_account.pk, bob_account.pk])
    recompute_now([alice_account.pk])
    assert RecomputeRequest.objects.get().done_at is None  # bob's account was not recomputed
