"""setup_schedules creates the five schedules by name and is safe to run again."""

from __future__ import annotations

import datetime as dt
from io import StringIO

from django.core.management import call_command
from django_q.models import Schedule


def test_it_creates_the_schedules_once(db):
    call_command("setup_schedules", stdout=StringIO())
    first = {s.name: (s.pk, s.func, s.schedule_type, s.next_run) for s in Schedule.objects.all()}
    out = StringIO()
    call_command("setup_schedules", stdout=out)

    assert {s.name: (s.pk, s.func, s.schedule_type, s.next_run) for s in Schedule.objects.all()} == first
    assert {name: (func, kind) for name, (_, func, kind, _) in first.items()} == {
        "healthscore: daily full recompute": ("scoring.tasks.recompute_all_enqueue", "D"),
        "healthscore: daily rule evaluation": ("playbooks.tasks.rules_evaluate_daily", "D"),
        "healthscore: weekly digest": ("playbooks.tasks.digest_weekly", "W"),
        "healthscore: hourly escalation": ("playbooks.tasks.escalations_hourly", "H"),
        "healthscore: watchdog": ("scoring.tasks.daily_watchdog", "I"),
    }
    assert Schedule.objects.get(name="healthscore: watchdog").minutes == 1
    assert out.getvalue().count("unchanged") == 5


def test_it_repairs_a_changed_schedule_and_drops_duplicates(db):
    call_command("setup_schedules", stdout=StringIO())
    Schedule.objects.filter(name="healthscore: weekly digest").update(func="old.module.digest")
    Schedule.objects.create(name="healthscore: hourly escalation", func="x.y", schedule_type="H")

    call_command("setup_schedules", stdout=StringIO())

    assert Schedule.objects.count() == 5
    assert Schedule.objects.get(name="healthscore: weekly digest").func == "playbooks.tasks.digest_weekly"
    assert Schedule.objects.get(name="healthscore: hourly escalation").func == "playbooks.tasks.escalations_hourly"


def test_it_plans_the_first_runs_at_the_next_slot():
    from playbooks.management.commands.setup_schedules import SCHEDULES, first_run

    now = dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC)  # a Thursday; TIME_ZONE is UTC in tests
    slots = {spec.name: first_run(spec, now) for spec in SCHEDULES}

    assert slots == {
        "healthscore: daily full recompute": dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC),
        "healthscore: daily rule evaluation": dt.datetime(2026, 11, 27, 4, 0, tzinfo=dt.UTC),
        "healthscore: weekly digest": dt.datetime(2026, 11, 30, 7, 0, tzinfo=dt.UTC),
        "healthscore: hourly escalation": dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC),
        "healthscore: watchdog": dt.datetime(2026, 11, 26, 9, 31, tzinfo=dt.UTC),
    }
