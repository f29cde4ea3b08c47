"""Create or update the background schedules, by name. Safe to run any number of times.

Each schedule is looked up by its name: a missing one is created with its first run at the next
slot, an existing one keeps its next run and only gets its function and cadence corrected.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_q.models import Schedule


@dataclass(frozen=True)
class ScheduleSpec:
    name: str
    func: str
    schedule_type: str
    hour: int | None = None  # local hour of the first run (daily, weekly)
    weekday: int | None = None  # 0 = Monday (weekly)
    minutes: int | None = None  # MINUTES schedules: every this many minutes


SCHEDULES = [
    ScheduleSpec("healthscore: daily full recompute", "scoring.tasks.recompute_all_enqueue", Schedule.DAILY, hour=2),
    ScheduleSpec("healthscore: daily rule evaluation", "playbooks.tasks.rules_evaluate_daily", Schedule.DAILY, hour=4),
    ScheduleSpec("healthscore: weekly digest", "playbooks.tasks.digest_weekly", Schedule.WEEKLY, hour=7, weekday=0),
    ScheduleSpec("healthscore: hourly escalation", "playbooks.tasks.escalations_hourly", Schedule.HOURLY),
    # Finishes whatever died: stopped daily chunks, unacted score outbox rows, undelivered alerts.
    ScheduleSpec("healthscore: watchdog", "scoring.tasks.daily_watchdog", Schedule.MINUTES, minutes=1),
]


def first_run(spec: ScheduleSpec, now: dt.datetime) -> dt.datetime:
    """The next slot of a schedule after ``now`` (local time)."""
    local = timezone.localtime(now)
    if spec.minutes is not None:
        return (local + dt.timedelta(minutes=1)).replace(second=0, microsecond=0)
    if spec.hour is None:
        return (local + dt.timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    slot = local.replace(hour=spec.hour, minute=0, second=0, microsecond=0)
    if spec.weekday is not None:
        slot += dt.timedelta(days=(spec.weekday - slot.weekday()) % 7)
    while slot <= local:
        slot += dt.timedelta(days=7 if spec.weekday is not None else 1)
    return slot


def schedules_ensure(*, now: dt.datetime) -> dict[str, str]:
    """Create missing schedules and correct changed ones; returns name -> created/updated/unchanged."""
    outcome = {}
    with transaction.atomic():
        for spec in SCHEDULES:
            existing = list(Schedule.objects.select_for_update().filter(name=spec.name).order_by("pk"))
            if not existing:
                Schedule.objects.create(
                    name=spec.name, func=spec.func, schedule_type=spec.schedule_type, repeats=-1,
                    next_run=first_run(spec, now), minutes=spec.minutes,
                )
                outcome[spec.name] = "created"
                continue
            schedule, duplicates = existing[0], existing[1:]
            for extra in duplicates:  # e.g. left by an older setup: keep exactly one per name
                extra.delete()
            wanted = {"func": spec.func, "schedule_type": spec.schedule_type, "repeats": -1, "minutes": spec.minutes}
            changed = {k: v for k, v in wanted.items() if getattr(schedule, k) != v}
            if changed or duplicates:
                if "schedule_type" in changed:
                    changed["next_run"] = first_run(spec, now)
                Schedule.objects.filter(pk=schedule.pk).update(**changed)
                outcome[spec.name] = "updated"
            else:
                outcome[spec.name] = "unchanged"
    return outcome


class Command(BaseCommand):
    help = "Create the django-q2 schedules (daily recompute, daily rules, weekly digest, hourly escalation, watchdog)."

    def handle(self, *args, **options):
        outcome = schedules_ensure(now=timezone.now())
        for spec in SCHEDULES:
            self.stdout.write(f"{outcome[spec.name]:>9}  {spec.name}  ({spec.func})")
