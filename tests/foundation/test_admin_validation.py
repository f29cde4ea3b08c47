"""Admins get clear messages for bad signal definitions, thresholds and weights."""

from __future__ import annotations

import pytest
from django.urls import reverse

from scoring.models import AuditEvent, ScoreModelVersion, SignalDefinition

SIGNAL_FORM = {
    "key": "seats_used",
    "label": "Seats used",
    "category": "usage",
    "description": "",
    "unit": "%",
    "active": "on",
    "direction": "higher",
    "bad_value": "20",
    "good_value": "90",
    "aggregation": "latest",
    "window_days": "30",
    "half_life_days": "",
    "stale_after_days": "30",
    "missing_policy": "exclude",
}


@pytest.fixture
def admin_client_ops(client, ops):
    client.force_login(ops)
    return client


def test_it_creates_a_valid_signal_and_audits_it(admin_client_ops, ops):
    response = admin_client_ops.post(reverse("admin:scoring_signaldefinition_add"), SIGNAL_FORM)
    assert response.status_code == 302, response.content.decode()[:2000]
    signal = SignalDefinition.objects.get(key="seats_used")
    event = AuditEvent.objects.get(object_id=str(signal.pk), action="create")
    assert event.actor == ops
    assert event.after["good_value"] == 90


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"good_value": "20"}, "The good value must differ from the bad value"),
        ({"window_days": "0"}, "The window must be at least one day"),
        ({"half_life_days": "-3"}, "The half-life must be positive"),
        ({"direction": "lower"}, "Lower is better, so the good value must be below the bad value"),
    ],
)
def test_it_explains_a_bad_signal_definition(admin_client_ops, changes, message):
    response = admin_client_ops.post(reverse("admin:scoring_signaldefinition_add"), {**SIGNAL_FORM, **changes})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SignalDefinition.objects.filter(key="seats_used").exists()


def _version_form(version: ScoreModelVersion, **overrides) -> dict:
    data = {
        "model": version.model_id,
        "number": version.number,
        "green_threshold": "75",
        "yellow_threshold": "50",
        "hold_days": "7",
        "rapid_decline_points": "20",
        "rapid_decline_days": "30",
        "notes": "",
    }
    cats = list(version.category_weights.all())
    sigs = list(version.signal_weights.all())
    data.update({
        "category_weights-TOTAL_FORMS": str(len(cats)),
        "category_weights-INITIAL_FORMS": str(len(cats)),
        "category_weights-MIN_NUM_FORMS": "0",
        "category_weights-MAX_NUM_FORMS": "1000",
        "signal_weights-TOTAL_FORMS": str(len(sigs)),
        "signal_weights-INITIAL_FORMS": str(len(sigs)),
        "signal_weights-MIN_NUM_FORMS": "0",
        "signal_weights-MAX_NUM_FORMS": "1000",
    })
    for i, cw in enumerate(cats):
        data.update({f"category_weights-{i}-id": cw.pk, f"category_weights-{i}-version": version.pk,
                     f"category_weights-{i}-category": cw.category, f"category_weights-{i}-weight": str(cw.weight)})
    for i, sw in enumerate(sigs):
        data.update({f"signal_weights-{i}-id": sw.pk, f"signal_weights-{i}-version": version.pk,
                     f"signal_weights-{i}-signal": sw.signal_id, f"signal_weights-{i}-weight": str(sw.weight)})
    data.update(overrides)
    return data


@pytest.fixture
def draft(scoring_setup):
    from tests.factories import create_published_version

    return create_published_version(scoring_setup.segment, scoring_setup.signals, status="draft", number=2)


def test_it_saves_a_valid_draft_and_audits_weight_changes(admin_client_ops, draft):
    url = reverse("admin:scoring_scoremodelversion_change", args=[draft.pk])
    response = admin_client_ops.post(url, _version_form(draft, **{"signal_weights-0-weight": "5"}))
    assert response.status_code == 302, response.content.decode()[:3000]
    first = draft.signal_weights.order_by("signal").first()
    assert first.weight == 5
    event = AuditEvent.objects.get(action="update", object_id=str(first.pk))
    assert event.after["weight"] == 5 and event.before["weight"] != 5


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"green_threshold": "40"}, "The green threshold must be above the yellow threshold"),
        ({"yellow_threshold": "-5"}, "The yellow threshold must be between 0 and 100"),
        ({"green_threshold": "120"}, "The green threshold must be between 0 and 100"),
        ({"signal_weights-0-weight": "-1"}, "A weight cannot be negative"),
    ],
)
def test_it_explains_bad_thresholds_and_weights(admin_client_ops, draft, overrides, message):
    url = reverse("admin:scoring_scoremodelversion_change", args=[draft.pk])
    response = admin_client_ops.post(url, _version_form(draft, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    draft.refresh_from_db()
    assert (draft.green_threshold, draft.yellow_threshold) == (75, 50)


def test_it_refuses_all_zero_category_weights(admin_client_ops, draft):
    url = reverse("admin:scoring_scoremodelversion_change", args=[draft.pk])
    zeros = {f"category_weights-{i}-weight": "0" for i in range(draft.category_weights.count())}
    response = admin_client_ops.post(url, _version_form(draft, **zeros))
    assert response.status_code == 200
    assert "The category weights cannot all be zero" in response.content.decode()
    assert all(w > 0 for w in draft.category_weights.values_list("weight", flat=True))


def test_it_shows_published_versions_read_only(admin_client_ops, scoring_setup):
    url = reverse("admin:scoring_scoremodelversion_change", args=[scoring_setup.version.pk])
    response = admin_client_ops.post(url, _version_form(scoring_setup.version, green_threshold="90"))
    scoring_setup.version.refresh_from_db()
    assert scoring_setup.version.green_threshold == 75
    assert response.status_code in (200, 302, 403)
