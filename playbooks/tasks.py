"""django-q2 task functions for playbooks (scheduled by ``manage.py setup_schedules``)."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from playbooks import notifications, triggers


def rules_evaluate_daily() -> dict:
    """Daily: evaluate rule and trend playbooks over every active account."""
    return triggers.rules_evaluate_all(now=timezone.now(), chunk_size=settings.RECOMPUTE_CHUNK_SIZE)


def digest_weekly() -> dict:
    """Weekly: one digest email per CSM and manager."""
    return {"notifications": len(notifications.digest_send_weekly(now=timezone.now()))}


def escalations_hourly() -> dict:
    """Hourly: escalate overdue high-severity tasks to the manager, once each."""
    return {"escalated": len(notifications.tasks_escalate_overdue(now=timezone.now()))}


def notifications_deliver(ids: list[int]) -> dict:
    """Send stored notifications (email, Slack); raises when one failed so django-q retries it."""
    return notifications.notifications_deliver(ids=ids, now=timezone.now())
