"""Run django-q2's schedules on time: the scheduler every second instead of every 30.

A ``qcluster`` calls django-q2's scheduler once every 30 seconds of its guard loop (a constant in
django-q2), so a schedule due at 02:00:00 starts as late as 02:00:30. This process calls the same
scheduler every ``--interval`` seconds (``SCHEDULE_CLOCK_SECONDS``, default 1) against the same
broker; the workers run what it enqueues. django-q2's scheduler takes each due schedule under
``SELECT … FOR UPDATE`` and moves its next run in the same transaction, so this clock, a second
clock and the workers' own 30-second calls never start a schedule twice; with the clock down the
workers still run every schedule, 30 seconds late at most.
"""

from __future__ import annotations

import logging
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Start django-q2's due schedules every second (the workers then run them)."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=settings.SCHEDULE_CLOCK_SECONDS,
                            help="Seconds between two looks at the schedules (default SCHEDULE_CLOCK_SECONDS).")

    def handle(self, *args, interval: float, **options):
        from django_q.brokers import get_broker
        from django_q.scheduler import scheduler

        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        broker = get_broker()
        self.stdout.write(f"Schedule clock: due schedules every {interval:g} s on {broker.__class__.__name__}.")
        self.stdout.flush()
        while not stop.is_set():
            try:
                close_old_connections()
                scheduler(broker=broker)
            except Exception:  # a database or broker hiccup must not stop the clock
                log.exception("schedule clock: the scheduler failed; trying again")
            stop.wait(interval)
        self.stdout.write("Schedule clock stopped.")
