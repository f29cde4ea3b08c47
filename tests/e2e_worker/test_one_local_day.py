"""The e2e tests that wait on real workers never straddle local midnight (tests.e2e_worker.conftest)."""

import datetime as dt

import time_machine
from django.utils import timezone

from tests.e2e_worker.conftest import within_one_local_day


def _local(hour: int, minute: int, second: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2027, 3, 31, hour, minute, second))


def test_it_does_not_wait_in_the_middle_of_the_day(settings):
    with time_machine.travel(_local(12, 0), tick=False):
        assert within_one_local_day(600) == 0.0


def test_it_waits_past_midnight_when_the_test_could_straddle_it(monkeypatch):
    slept = []
    monkeypatch.setattr("tests.e2e_worker.conftest.time.sleep", slept.append)
    with time_machine.travel(_local(23, 55), tick=False):
        waited = within_one_local_day(600)
    assert slept == [301.0] and waited == 301.0  # 5 minutes to midnight, then one second into the new day
