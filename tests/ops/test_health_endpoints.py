"""/healthz (process up), /readyz (database, broker, live workers, daily run not overdue), /metrics."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from django_q.models import Task as QTask

from accounts.models import Account
from healthscore import ops
from playbooks.models import Notification
from scoring.ingest import observations_bulk_store
from scoring.models import AccountScore
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 6, 10, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _score(account: Account, computed_at: dt.datetime, version) -> None:
    AccountScore.objects.create(account=account, score=80, raw_tier="green", tier="green", model_version=version,
                                computed_at=computed_at)


def test_it_answers_liveness_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_it_is_not_ready_without_a_live_worker_cluster(client, frozen):
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["workers"] == {"ok": False, "clusters": 0, "processes": 0}


def test_it_turns_the_daily_run_overdue_when_the_stalest_score_is_too_old(frozen, scoring_setup, settings):
    settings.DAILY_RUN_MAX_AGE_HOURS = 26
    fresh, stale = AccountFactory(), AccountFactory()
    AccountFactory(status=Account.Status.CHURNED)  # ended accounts are not scored any more: not counted
    _score(fresh, NOW - dt.timedelta(hours=2), scoring_setup.version)
    _score(stale, NOW - dt.timedelta(hours=25), scoring_setup.version)

    check = ops._daily_run(NOW)
    assert check.ok is True
    assert check.detail["active_accounts"] == 2 and check.detail["not_scored_today"] == 1
    assert check.detail["oldest_score_age_hours"] == 25.0

    with time_machine.travel(NOW + dt.timedelta(hours=2), tick=False):
        check = ops._daily_run(timezone.now())
    assert check.ok is False
    assert check.detail["oldest_score_age_hours"] == 27.0
    assert check.detail["not_scored_today"] == 1  # the fresh one was scored this morning


def test_it_counts_an_active_account_never_scored_as_not_scored_today(frozen, scoring_setup):
    AccountFactory()
    fresh = ops.scoring_freshness(now=NOW)
    assert (fresh["active_accounts"], fresh["never_scored"], fresh["not_scored_today"]) == (1, 1, 1)


def test_it_refuses_metrics_without_the_token(client, settings):
    settings.METRICS_TOKEN = "s3cret-metrics-token"
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 403


def _metrics(client) -> dict[str, float]:
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-metrics-token")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    values = {}
    for line in response.content.decode().splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values


def test_it_exposes_queue_failures_freshness_notifications_and_ingest_counts(client, settings, frozen, scoring_setup):
    settings.METRICS_TOKEN = "s3cret-metrics-token"
    account = AccountFactory(external_id="acme")
    _score(AccountFactory(), NOW - dt.timedelta(hours=3), scoring_setup.version)
    QTask.objects.create(id="f" * 32, name="broken", func="scoring.tasks.recompute_accounts", started=NOW,
                         stopped=NOW, success=False, result="boom")
    QTask.objects.create(id="a" * 32, name="recompute", func="scoring.tasks.daily_chunk",
                         started=NOW - dt.timedelta(seconds=4), stopped=NOW, success=True)
    Notification.objects.create(channel="email", kind="tier_change", account=account, subject="x", error="SMTP down")
    Notification.objects.create(channel="email", kind="tier_change", account=account, subject="y", sent_at=NOW)
    items = [{"account": "acme", "signal": "weekly_logins", "value": v, "observed_at": f"2026-06-0{d}T00:00:00Z"}
             for v, d in ((3, 1), (4, 2), (5, 3))]
    observations_bulk_store(items=items, source="api")
    observations_bulk_store(items=items, source="api")  # a replay stores nothing, counts nothing
    observations_bulk_store(items=items[:1], source="csv")
    from scoring.models import ScoreOutbox

    ScoreOutbox.objects.create(account_ids=[account.pk])  # a write whose triggers have not run yet

    values = _metrics(client)
    assert values["healthscore_outbox_pending"] == 1
    assert values["healthscore_outbox_failed"] == 0
    # The two ingests that stored something asked for a recompute; their tasks go on commit, which this
    # test's transaction never reaches, so both requests are still pending (the replay asked for none).
    assert values["healthscore_recompute_requests_pending"] == 2
    assert values["healthscore_daily_chunks_unfinished"] == 0
    assert values["healthscore_failed_tasks"] == 1
    assert values["healthscore_recompute_task_seconds_count"] == 1
    assert values["healthscore_recompute_task_seconds_sum"] == 4.0
    assert values["healthscore_notification_failures"] == 1
    assert values['healthscore_ingested_observations_total{source="api"}'] == 3
    assert values['healthscore_ingested_observations_total{source="csv"}'] == 1
    assert values["healthscore_active_accounts"] == 2
    assert values["healthscore_accounts_not_scored_today"] >= 1
    assert values["healthscore_worker_clusters"] == 0
    assert "healthscore_queue_depth" in values and values["healthscore_broker_up"] == 1
