"""``python -m tests._travel SCRIPT ARGS…``: run a Python script with the clock shifted by
``$HEALTHSCORE_CLOCK_OFFSET`` seconds (time-machine, ticking) — the end-to-end tests' worker, so it
agrees with a test session started with ``--now``."""

from __future__ import annotations

import os
import runpy
import sys
import time

import time_machine

offset = float(os.environ["HEALTHSCORE_CLOCK_OFFSET"])
time_machine.travel(time.time() + offset, tick=True).start()
script, *args = sys.argv[1:]
sys.argv = [script, *args]
runpy.run_path(script, run_name="__main__")
