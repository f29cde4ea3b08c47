"""Model versions: clone the published version as a draft, publish it; audit, recompute, version-caused change."""

from __future__ import annotations

import pytest
import time_machine
from django.core.exceptions import ValidationError

from scoring.models import AccountScore, AuditEvent, CategoryWeight, ScoreChange, ScoreModelVersion
from scoring.services import scores_recompute
from scoring.versions import version_clone_as_draft, version_publish
from tests.factories import AccountFactory, observe
from tests.scoring.conftest import DAY, NOW


def test_it_clones_the_published_version_as_a_draft(scoring_setup, ops):
    v1 = scoring_setup.version
    draft = version_clone_as_draft(version=v1, actor=ops)
    assert (draft.number, draft.status, draft.created_by) == (2, "draft", ops)
    assert dict(draft.category_weights.values_list("category", "weight")) == dict(
        v1.category_weights.values_list("category", "weight"))
    assert dict(draft.signal_weights.values_list("signal_id", "weight")) == dict(
        v1.signal_weights.values_list("signal_id", "weight"))
    event = AuditEvent.objects.get(action="clone")
    assert (event.actor, event.object_id, event.before) == (ops, str(draft.pk), {"cloned_from": v1.pk})
    assert event.after["category_weights"]["usage"] == 40


def test_it_publishes_retires_audits_and_logs_version_caused_changes(
    scoring_setup, ops, django_capture_on_commit_callbacks
):
    s = scoring_setup.signals
    account = AccountFactory()
    observe(account, s["weekly_logins"], 25, NOW - 3 * DAY)   # 100
    observe(account, s["open_tickets"], 8, NOW - 3 * DAY)    # 0; ticket age neutral 50 → support 25
    # v1: (40·100 + 15·25 + 15·50 + 10·50) / 80 = 70.31
    scores_recompute(account_ids=[account.pk], now=NOW - DAY)
    assert AccountScore.objects.get().score == pytest.approx(70.31)

    v1 = scoring_setup.version
    draft = version_clone_as_draft(version=v1, actor=ops)
    CategoryWeight.objects.filter(version=draft, category="usage").update(weight=0)
    # v2 without usage: (15·25 + 15·50 + 10·50) / 40 = 40.625 (stored 40.62 or 40.63)
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        version_publish(version=draft, actor=ops, now=NOW)

    v1.refresh_from_db()
    draft.refresh_from_db()
    assert (v1.status, draft.status, draft.published_by, draft.published_at) == ("retired", "published", ops, NOW)
    publish = AuditEvent.objects.get(action="publish")
    assert publish.actor == ops and publish.object_id == str(draft.pk)
    assert publish.before["status"] == "draft" and publish.after["status"] == "published"
    assert publish.after["previous_version"] == v1.pk
    assert AuditEvent.objects.filter(action="retire", object_id=str(v1.pk)).exists()

    score = AccountScore.objects.get()
    assert (score.model_version_id, score.score) == (draft.pk, pytest.approx(40.625, abs=0.006))
    change = ScoreChange.objects.get(date=NOW.date())
    assert (change.cause, change.model_version_id) == ("model_version", draft.pk)
    assert (change.from_score, change.to_score) == (pytest.approx(70.31), pytest.approx(40.625, abs=0.006))
    # 70.31 yellow → 40.6: 29.7 below the 30-day peak, a rapid decline, so red at once.
    assert change.summary.startswith(
        "Rapid decline: \u221230 in 30 days, tier yellow \u2192 red; \u221230: logins per week \u221250"
    )


def test_it_refuses_to_publish_a_version_that_is_not_a_draft(scoring_setup, ops):
    with pytest.raises(ValidationError):
        version_publish(version=scoring_setup.version, actor=ops, now=NOW)
    assert ScoreModelVersion.objects.get().status == "published"
