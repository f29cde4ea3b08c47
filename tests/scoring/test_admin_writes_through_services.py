"""Writes made in the admin go through the services: an observation queues its account's recompute,
an override obeys override_create's rules (and recomputes), a signal definition edit recomputes
every account it scores with the change log's cause "signal definition changed"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from playbooks.models import Notification, Task
from scoring.models import AccountScore, AuditEvent, IngestCount, Observation, Override, ScoreChange
from tests.playbooks.engine_world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world(timezone.now())


@pytest.fixture
def admin(client, ops):
    client.force_login(ops)
    return client


def _when(moment: dt.datetime) -> dict:
    local = timezone.localtime(moment)
    return {"observed_at_0": local.date().isoformat(), "observed_at_1": local.strftime("%H:%M:%S")}


def test_it_recomputes_the_account_of_an_observation_added_in_the_admin(admin, world, django_capture_on_commit_callbacks):
    assert AccountScore.objects.get(account=world.account).tier == "green"
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(reverse("admin:scoring_observation_add"), {
            "account": world.account.pk, "signal": world.signal.pk, "value": "10", "source": "admin",
            "idempotency_key": "", **_when(timezone.now() - dt.timedelta(minutes=5))})
    assert response.status_code == 302, response.content.decode()[:3000]
    observation = Observation.objects.get(source="admin")
    assert observation.idempotency_key.startswith(f"{world.account.pk}|{world.signal.pk}|")
    score = AccountScore.objects.get(account=world.account)
    assert (score.score, score.tier) == (10.0, "red")
    assert Task.objects.filter(account=world.account).count() == 1  # its playbook ran, as on ingest
    assert IngestCount.totals().get("admin") == 1


def test_it_recomputes_the_account_of_an_observation_edited_in_the_admin(admin, world, django_capture_on_commit_callbacks):
    observation = Observation.objects.get(account=world.account)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(reverse("admin:scoring_observation_change", args=[observation.pk]), {
            "account": world.account.pk, "signal": world.signal.pk, "value": "60", "source": observation.source,
            "idempotency_key": observation.idempotency_key, **_when(timezone.now() - dt.timedelta(minutes=5))})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert AccountScore.objects.get(account=world.account).score == 60.0


def test_it_recomputes_the_account_of_an_observation_deleted_in_the_admin(admin, world, django_capture_on_commit_callbacks):
    Observation.objects.create(account=world.account, signal=world.signal, value=10, source="oops",
                               observed_at=timezone.now() - dt.timedelta(minutes=1), idempotency_key="oops")
    observation = Observation.objects.get(source="oops")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(reverse("admin:scoring_observation_delete", args=[observation.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert AccountScore.objects.get(account=world.account).score == 90.0
    assert AccountScore.objects.get(account=world.account).computed_at.date() == timezone.now().date()


def _override_form(world, **changes) -> dict:
    expires = timezone.localtime(timezone.now() + dt.timedelta(days=30))
    data = {"account": world.account.pk, "reason": "champion_left", "note": "Maria left", "effect": "cap",
            "value": "30", "expires_at_0": expires.date().isoformat(), "expires_at_1": "12:00:00",
            "revoked_at_0": "", "revoked_at_1": ""}
    data.update(changes)
    return data


@pytest.mark.parametrize("changes, message", [
    ({"expires_at_0": (timezone.localdate() + dt.timedelta(days=800)).isoformat()}, "Overrides last at most a year"),
    ({"expires_at_0": (timezone.localdate() - dt.timedelta(days=1)).isoformat()}, "The expiry must be a future date."),
    ({"effect": "penalty", "value": "0"}, "A penalty of 0 points changes nothing."),
    ({"reason": "other", "note": ""}, "Say what happened when the reason is"),
])
def test_it_applies_override_creates_rules_in_the_admin(admin, world, changes, message):
    response = admin.post(reverse("admin:scoring_override_add"), _override_form(world, **changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Override.objects.exists()


def test_it_creates_an_override_in_the_admin_through_the_service(admin, ops, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(reverse("admin:scoring_override_add"), _override_form(world))
    assert response.status_code == 302, response.content.decode()[:3000]
    override = Override.objects.get()
    assert override.created_by == ops
    assert timezone.localtime(override.expires_at).time() == dt.time(23, 59)  # the service's end of day
    assert list(AuditEvent.objects.filter(object_id=str(override.pk), content_type__model="override")
                .values_list("action", flat=True)) == ["create"]
    score = AccountScore.objects.get(account=world.account)
    assert (score.score, score.components["override"]["id"]) == (30.0, override.pk)


def test_it_recomputes_when_an_override_is_revoked_in_the_admin(admin, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(reverse("admin:scoring_override_add"), _override_form(world))
    override = Override.objects.get()
    now = timezone.localtime()
    expires = timezone.localtime(override.expires_at)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(reverse("admin:scoring_override_change", args=[override.pk]), _override_form(
            world, expires_at_0=expires.date().isoformat(), expires_at_1=expires.strftime("%H:%M:%S"),
            revoked_at_0=now.date().isoformat(), revoked_at_1=now.strftime("%H:%M:%S")))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert AccountScore.objects.get(account=world.account).score == 90.0


SIGNAL_FIELDS = ["key", "label", "category", "description", "unit", "direction", "bad_value", "good_value",
                 "aggregation", "window_days", "stale_after_days", "missing_policy"]


def _signal_form(signal, **changes) -> dict:
    data = {f: getattr(signal, f) for f in SIGNAL_FIELDS}
    data.update(active="on", half_life_days=signal.half_life_days or "", min_value=signal.min_value or "",
                max_value=signal.max_value or "")
    data.update(changes)
    return data


def test_it_recomputes_every_account_a_signal_scores_when_its_good_value_changes(
    admin, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(reverse("admin:scoring_signaldefinition_change", args=[world.signal.pk]),
                              _signal_form(world.signal, good_value=200))
    assert response.status_code == 302, response.content.decode()[:3000]
    score = AccountScore.objects.get(account=world.account)
    assert score.score == 45.0  # 90 on a 0–200 scale
    change = ScoreChange.objects.get(account=world.account, date=timezone.localdate())
    assert (change.cause, change.from_score, change.to_score) == ("signal_definition", 90.0, 45.0)
    assert change.get_cause_display() == "Signal definition changed"
    event = AuditEvent.objects.get(object_id=str(world.signal.pk), content_type__model="signaldefinition")
    assert (event.before["good_value"], event.after["good_value"]) == (100.0, 200.0)


def test_it_recomputes_nothing_when_only_a_signals_label_changes(admin, world, django_capture_on_commit_callbacks):
    before = AccountScore.objects.get(account=world.account).computed_at
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin.post(reverse("admin:scoring_signaldefinition_change", args=[world.signal.pk]),
                              _signal_form(world.signal, label="Weekly logins"))
    assert response.status_code == 302
    assert callbacks == []
    assert AccountScore.objects.get(account=world.account).computed_at == before


def test_it_folds_a_same_day_override_into_the_days_tier_change(world, ops, django_capture_on_commit_callbacks):
    """Data moved the account green → red this morning (one entry, one task, one alert); a flag set
    later the same day rewrites that entry: no second "green → red" row, no second alert."""
    from django.db import transaction

    from scoring.overrides import override_create
    from scoring.tasks import recompute_enqueue
    from tests.playbooks.engine_world import drop

    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            drop(world, now - dt.timedelta(minutes=2))
            recompute_enqueue([world.account.pk])
    assert ScoreChange.objects.filter(account=world.account, date=timezone.localdate(now)).count() == 1
    alerts = Notification.objects.filter(kind="tier_change").count()
    assert alerts == 2  # owner and manager

    with django_capture_on_commit_callbacks(execute=True):
        override_create(account=world.account, actor=ops, reason="champion_left", effect="cap", value=5,
                        expires_on=timezone.localdate(now) + dt.timedelta(days=30), note="Maria left", now=now)

    assert AccountScore.objects.get(account=world.account).score == 5.0
    entries = list(ScoreChange.objects.filter(account=world.account, date=timezone.localdate(now)))
    assert len(entries) == 1, [(e.cause, e.summary) for e in entries]
    entry = entries[0]
    assert (entry.from_tier, entry.to_tier, entry.from_score, entry.to_score) == ("green", "red", 90.0, 5.0)
    assert "override" in {d["signal"] for d in entry.signal_deltas}
    assert Notification.objects.filter(kind="tier_change").count() == alerts
    assert Task.objects.filter(account=world.account).count() == 1
