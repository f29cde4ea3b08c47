"""Run the whole suite at a chosen instant: ``pytest --now 2027-01-01T00:30Z`` (or the environment
variable ``HEALTHSCORE_TEST_NOW``). Loaded as a plugin (``-p tests._clock``).

The clock travels once for the session with time-machine and keeps ticking from there, so every
``timezone.now()`` / ``date.today()`` of the tests and of the code they run sees that instant. Tests
build their worlds from "now" (never from the real calendar), so the suite must pass at any instant;
``.ci/run`` proves it by running the fast suite again on a month's first day, a 29 February and a
month's last half hour.

A worker subprocess started by the end-to-end tests travels by the same offset
(``traveling_command``), so both processes agree on "now".
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time

import pytest

ENV = "HEALTHSCORE_TEST_NOW"
OFFSET_ENV = "HEALTHSCORE_CLOCK_OFFSET"
_traveller = None
_offset: float = 0.0


def parse_instant(text: str) -> dt.datetime:
    """An ISO 8601 instant; a trailing Z means UTC, and an instant without an offset is UTC too."""
    value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--now", action="store", default=os.environ.get(ENV) or None, metavar="ISO_INSTANT",
        help=f"run the whole session at this instant (time-machine, ticking); default ${ENV} or the real clock",
    )


def pytest_configure(config: pytest.Config) -> None:
    global _traveller, _offset
    text = config.getoption("--now")
    if not text:
        return
    try:
        instant = parse_instant(text)
    except ValueError as exc:
        raise pytest.UsageError(f"--now / {ENV}: {text!r} is not an ISO 8601 instant ({exc})") from None
    import time_machine

    _offset = instant.timestamp() - time.time()
    _traveller = time_machine.travel(instant, tick=True)
    _traveller.start()


def pytest_unconfigure(config: pytest.Config) -> None:
    global _traveller
    if _traveller is not None:
        _traveller.stop()
        _traveller = None


def pytest_report_header(config: pytest.Config) -> str:
    if _traveller is None:
        return "clock: real time (pass --now ISO_INSTANT or set HEALTHSCORE_TEST_NOW to travel)"
    return f"clock: travelled to {config.getoption('--now')} (ticking)"


def traveling_command(argv: list[str]) -> tuple[list[str], dict[str, str]]:
    """The command line and extra environment that run ``argv`` (a Python script and its arguments)
    in a subprocess whose clock is shifted like this session's."""
    if _traveller is None:
        return [sys.executable, *argv], {}
    return [sys.executable, "-m", "tests._travel", *argv], {OFFSET_ENV: repr(_offset)}
