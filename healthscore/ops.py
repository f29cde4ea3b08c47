"""What operations watch the service by: liveness, readiness and Prometheus metrics.

Every figure is read from the shared stores (the database and the broker) at request time, not kept
in one process's memory, so any web process answers for the whole deployment: every gunicorn worker
and every ``qcluster`` on every machine.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Count, Min, Q
from django.utils import timezone

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: dict


def _database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return Check("database", True, {"vendor": connection.vendor})
    except Exception as exc:  # noqa: BLE001 — a readiness probe reports, it does not raise
        return Check("database", False, {"error": f"{type(exc).__name__}: {exc}"[:300]})


def _broker() -> tuple[Check, Check]:
    """The broker answers, and at least one ``qcluster`` reported itself alive within seconds.

    Clusters publish their status every guard cycle with a 3-second expiry (Redis, or the shared
    cache on the ORM broker), so a stopped or killed cluster disappears at once.
    """
    from django_q.brokers import get_broker
    from django_q.status import Stat

    try:
        broker = get_broker()
        broker.ping()
        queued = broker.queue_size()
        broker_check = Check("broker", True, {"kind": "redis" if settings.REDIS_URL else "orm", "queued": queued})
    except Exception as exc:  # noqa: BLE001
        failed = {"error": f"{type(exc).__name__}: {exc}"[:300]}
        return Check("broker", False, failed), Check("workers", False, {"clusters": 0})
    try:
        clusters = Stat.get_all(broker=broker)
    except Exception as exc:  # noqa: BLE001
        return broker_check, Check("workers", False, {"error": f"{type(exc).__name__}: {exc}"[:300]})
    workers = sum(len(stat.workers) for stat in clusters)
    return broker_check, Check("workers", bool(clusters), {"clusters": len(clusters), "processes": workers})


def scoring_freshness(*, now: dt.datetime) -> dict:
    """How stale the book's scores are: the oldest score of an active account, and how many active
    accounts have no score computed today (every one of them, until the daily run has passed)."""
    from accounts.models import Account

    start_of_today = timezone.make_aware(dt.datetime.combine(timezone.localdate(now), dt.time()))
    row = Account.objects.filter(status=Account.Status.ACTIVE).aggregate(
        active=Count("pk"),
        unscored=Count("pk", filter=Q(score__isnull=True)),
        not_today=Count("pk", filter=Q(score__isnull=True) | Q(score__computed_at__lt=start_of_today)),
        oldest=Min("score__computed_at"),
    )
    oldest = row["oldest"]
    return {
        "active_accounts": row["active"],
        "never_scored": row["unscored"],
        "not_scored_today": row["not_today"],
        "oldest_score_at": oldest.isoformat() if oldest else None,
        "oldest_score_age_hours": round((now - oldest).total_seconds() / 3600, 2) if oldest else None,
    }


def _daily_run(now: dt.datetime) -> Check:
    try:
        fresh = scoring_freshness(now=now)
    except Exception as exc:  # noqa: BLE001
        return Check("daily_run", False, {"error": f"{type(exc).__name__}: {exc}"[:300]})
    age = fresh["oldest_score_age_hours"]
    fresh["max_age_hours"] = settings.DAILY_RUN_MAX_AGE_HOURS
    return Check("daily_run", age is None or age <= settings.DAILY_RUN_MAX_AGE_HOURS, fresh)


def readiness(*, now: dt.datetime) -> list[Check]:
    database = _database()
    broker, workers = _broker()
    checks = [database, broker, workers]
    if database.ok:
        checks.append(_daily_run(now))
    else:
        checks.append(Check("daily_run", False, {"error": "database unavailable"}))
    return checks


# --- Prometheus ---------------------------------------------------------------------------------


class HealthscoreCollector:
    """A prometheus-client collector that reads the shared stores at scrape time."""

    RECOMPUTE_FUNCS = ("scoring.tasks.recompute_accounts", "scoring.tasks.daily_chunk")

    def collect(self) -> Iterator:
        from django_q.models import Failure, Success
        from prometheus_client.core import GaugeMetricFamily, SummaryMetricFamily

        from playbooks.models import Notification

        now = timezone.now()
        broker, workers = _broker()
        yield _gauge(GaugeMetricFamily, "healthscore_broker_up", "1 when the task broker answers.", broker.ok)
        yield _gauge(GaugeMetricFamily, "healthscore_queue_depth", "Tasks waiting in the broker.",
                     broker.detail.get("queued", 0))
        yield _gauge(GaugeMetricFamily, "healthscore_worker_clusters", "qcluster processes alive.",
                     workers.detail.get("clusters", 0))
        yield _gauge(GaugeMetricFamily, "healthscore_failed_tasks", "Background tasks stored as failed.",
                     Failure.objects.count())
        durations = Success.objects.filter(func__in=self.RECOMPUTE_FUNCS).values_list("started", "stopped")
        seconds = [(stop - start).total_seconds() for start, stop in durations if start and stop]
        summary = SummaryMetricFamily(
            "healthscore_recompute_task_seconds", "Duration of the stored successful recompute tasks.",
            count_value=len(seconds), sum_value=sum(seconds),
        )
        yield summary
        fresh = scoring_freshness(now=now)
        yield _gauge(GaugeMetricFamily, "healthscore_active_accounts", "Active accounts.", fresh["active_accounts"])
        yield _gauge(GaugeMetricFamily, "healthscore_accounts_not_scored_today",
                     "Active accounts without a score computed today.", fresh["not_scored_today"])
        yield _gauge(GaugeMetricFamily, "healthscore_oldest_score_age_seconds",
                     "Age of the stalest active account's score (the last full daily run).",
                     (fresh["oldest_score_age_hours"] or 0) * 3600)
        failed = Notification.objects.filter(sent_at__isnull=True).exclude(error="").count()
        yield _gauge(GaugeMetricFamily, "healthscore_notification_failures", "Notifications not sent, with an error.",
                     failed)
        yield from _loop_metrics(GaugeMetricFamily, now)
        yield from _ingest_metrics()


def _gauge(family, name: str, doc: str, value) -> object:
    return family(name, doc, value=float(value))


def _loop_metrics(family, now: dt.datetime) -> Iterator:
    """The durable loop's backlog: what the watchdog still has to finish (scoring.daily, scoring.effects)."""
    from scoring.daily import WATCH_DAYS, recompute_requests_given_up
    from scoring.effects import MAX_ATTEMPTS
    from scoring.models import DailyChunk, RecomputeRequest, ScoreOutbox

    unacted = ScoreOutbox.objects.filter(acted_at__isnull=True)
    yield _gauge(family, "healthscore_outbox_pending", "Score writes not yet acted on (triggers, tasks, alerts).",
                 unacted.filter(attempts__lt=MAX_ATTEMPTS).count())
    yield _gauge(family, "healthscore_outbox_failed", "Score writes given up on after repeated failures.",
                 unacted.filter(attempts__gte=MAX_ATTEMPTS).count())
    given_up = recompute_requests_given_up(now)
    yield _gauge(family, "healthscore_recompute_requests_pending", "Recomputes asked for and not yet done.",
                 RecomputeRequest.objects.filter(done_at__isnull=True).exclude(pk__in=given_up.values("pk")).count())
    yield _gauge(family, "healthscore_recompute_requests_failed",
                 "Recomputes given up on after repeated tries (the next daily run scores their accounts).",
                 given_up.count())
    yield _gauge(family, "healthscore_daily_chunks_unfinished", "Chunks of unfinished daily runs not yet done.",
                 DailyChunk.objects.filter(run__finished_at__isnull=True,
                                           run__created_at__gte=now - dt.timedelta(days=WATCH_DAYS))
                 .exclude(status__in=(DailyChunk.Status.DONE, DailyChunk.Status.FAILED)).count())


def _ingest_metrics() -> Iterator:
    """Observations stored per source (a counter kept in the database by the ingest paths)."""
    from prometheus_client.core import CounterMetricFamily

    from scoring.models import IngestCount

    counter = CounterMetricFamily("healthscore_ingested_observations", "Observations stored, by source.",
                                  labels=["source"])
    for source, total in IngestCount.totals().items():
        counter.add_metric([source], float(total))
    yield counter


def metrics_text() -> tuple[bytes, str]:
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

    registry = CollectorRegistry(auto_describe=False)
    registry.register(HealthscoreCollector())
    return generate_latest(registry), CONTENT_TYPE_LATEST
