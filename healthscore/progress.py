"""One progress line for long management commands, written to the command's stderr."""

from __future__ import annotations

import time


class ProgressBar:
    """Redrawn in place on a terminal; one line per 10 % otherwise (logs, CI).

    ``stream`` is a command's ``self.stderr`` (a Django OutputWrapper). Totals
    below ``min_total`` draw nothing, so small runs stay quiet.
    """

    def __init__(self, stream, label: str, *, width: int = 30, min_total: int = 0):
        self.stream, self.label, self.width, self.min_total = stream, label, width, min_total
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.started = time.monotonic()
        self.last_step = -1
        self.drawn = False

    def update(self, done: int, total: int) -> None:
        if total < self.min_total:
            return
        pct = 100 * done // max(total, 1)
        step = pct if self.tty else pct // 10
        if step == self.last_step:
            return
        self.last_step = step
        filled = self.width * done // max(total, 1)
        line = (f"{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} ({pct}%) "
                f"{time.monotonic() - self.started:.1f}s")
        self.stream.write(("\r" + line) if self.tty else line + "\n", ending="")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.tty and self.drawn:
            self.stream.write("\n", ending="")
            self.stream.flush()
