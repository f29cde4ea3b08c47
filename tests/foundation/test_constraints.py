"""The database itself refuses duplicates, whatever code path writes them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from playbooks.models import Playbook, PlaybookStep, Task
from scoring.models import Observation, ScoreModelVersion, ScoreSnapshot
from tests.factories import AccountFactory, observe


def test_it_refuses_a_duplicate_observation(scoring_setup):
    account = AccountFactory()
    at = timezone.now() - dt.timedelta(hours=1)
    observe(account, scoring_setup.signals["weekly_logins"], 10, at)
    with pytest.raises(IntegrityError), transaction.atomic():
        observe(account, scoring_setup.signals["weekly_logins"], 12, at)
    assert Observation.objects.count() == 1


def test_it_refuses_a_second_snapshot_on_the_same_day(scoring_setup):
    account = AccountFactory()
    today = timezone.localdate()
    fields = dict(account=account, date=today, raw_tier="green", tier="green", model_version=scoring_setup.version)
    ScoreSnapshot.objects.create(score=80, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        ScoreSnapshot.objects.create(score=70, **fields)
    ScoreSnapshot.objects.create(score=70, **{**fields, "date": today - dt.timedelta(days=1)})
    assert ScoreSnapshot.objects.count() == 2


def test_it_allows_one_open_task_per_account_and_step(scoring_setup):
    account = AccountFactory()
    playbook = Playbook.objects.create(name="Red", trigger_kind="enter_tier", tier="red", severity="high")
    step = PlaybookStep.objects.create(playbook=playbook, order=1, title="Call the champion")
    fields = dict(account=account, playbook=playbook, step=step, title=step.title, severity="high", due_at=timezone.now())
    first = Task.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Task.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Task.objects.create(**{**fields, "status": Task.Status.SNOOZED})
    # Once the first is done, the step can open again.
    first.status = Task.Status.DONE
    first.save(update_fields=["status"])
    Task.objects.create(**fields)
    assert Task.objects.filter(status="open").count() == 1


def test_it_allows_only_one_published_version_per_model(scoring_setup):
    with pytest.raises(IntegrityError), transaction.atomic():
        ScoreModelVersion.objects.create(model=scoring_setup.model, number=2, status="published")
    ScoreModelVersion.objects.create(model=scoring_setup.model, number=2, status="draft")


def test_it_refuses_unordered_thresholds_in_the_database(scoring_setup):
    with pytest.raises(IntegrityError), transaction.atomic():
        ScoreModelVersion.objects.create(model=scoring_setup.model, number=3, green_threshold=50, yellow_threshold=60)


def test_it_keeps_audit_events_append_only(ops, scoring_setup):
    from scoring.audit import audit_record
    from scoring.models import AuditEvent

    event = audit_record(actor=ops, action="update", obj=scoring_setup.version, before={"a": 1}, after={"a": 2})
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.update(action="x")
    assert AuditEvent.objects.count() == 1
