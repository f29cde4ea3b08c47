"""Aggregation of raw observations: the Python reference and the backfill's prefix sums.

Pure (no ORM). ``aggregate_observations`` is the reference that the SQL in
``selectors.signal_aggregates`` must match (tests/scoring/test_sql_matches_reference.py);
``SeriesAggregator`` answers the same question for one series at many "now"s (backfill).
"""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scoring.engine import SignalSpec

DAY_SECONDS = 86400.0
# No health signal is plausibly larger than this in magnitude: ingest refuses values beyond
# it, and every read clamps to it, so a row that got in some other way (an old import, a
# direct write) can neither overflow a sum (two 1.7e308 overflow float8) nor reach the
# components JSON as infinity. Sums of millions of clamped values stay finite.
VALUE_LIMIT = 1e12
# exp() of a larger negative number underflows (PostgreSQL raises); weights that small are 0
# for any purpose, so both the SQL and the reference cap the exponent here.
MIN_DECAY_EXPONENT = -700.0


def clamp_value(value: float) -> float:
    """An observation's value as every aggregation reads it: within ±VALUE_LIMIT.

    NaN (only a direct write can store one) clamps to the top, as PostgreSQL's
    LEAST/GREATEST do (NaN sorts above every number there)."""
    if value != value:
        return VALUE_LIMIT
    return min(VALUE_LIMIT, max(-VALUE_LIMIT, value))


def decay_weight(age_seconds: float, k: float) -> float:
    """exp(−k · age), with the exponent capped like the SQL's (no underflow error there)."""
    return math.exp(max(-age_seconds * k, MIN_DECAY_EXPONENT)) if k else 1.0


@dataclass(frozen=True)
class Obs:
    at: dt.datetime
    value: float


@dataclass(frozen=True)
class SignalAggregate:
    """The few numbers per account and signal that the score needs.

    Window = (now − window, now]; previous window = (now − 2·window, now − window].
    ``wsum``/``wtot`` are decay-weighted (weight 2^(−age/half-life)); without
    decay they equal ``vsum``/``n``.
    """

    newest_at: dt.datetime | None = None
    latest: float | None = None
    n: int = 0
    wsum: float = 0.0
    wtot: float = 0.0
    vsum: float = 0.0
    pn: int = 0
    psum: float = 0.0



def _epoch(at: dt.datetime) -> float:
    return at.timestamp()


def aggregate_observations(signal: SignalSpec, observations: Iterable[Obs], now: dt.datetime) -> SignalAggregate:
    """Python reference aggregation over raw observations (what the SQL computes)."""
    now_s = _epoch(now)
    win = signal.window_days * DAY_SECONDS
    horizon = signal.horizon_days * DAY_SECONDS
    k = signal.decay_rate
    newest: Obs | None = None
    older: Obs | None = None  # the newest observation before the horizon: "no data since …"
    n = pn = 0
    wsum = wtot = vsum = psum = 0.0
    for ob in observations:
        age = now_s - _epoch(ob.at)
        if age < 0:
            continue
        if age >= horizon:
            older = ob if older is None or ob.at > older.at else older
            continue
        value = clamp_value(ob.value)
        if newest is None or (ob.at, value) > (newest.at, newest.value):
            newest = Obs(ob.at, value)
        if age < win:
            w = decay_weight(age, k)
            n += 1
            wsum += w * value
            wtot += w
            vsum += value
        elif age < 2 * win:
            pn += 1
            psum += value
    if newest is None:
        return SignalAggregate(newest_at=older.at if older else None)
    return SignalAggregate(
        newest_at=newest.at, latest=newest.value, n=n, wsum=wsum, wtot=wtot, vsum=vsum, pn=pn, psum=psum
    )


class SeriesAggregator:
    """``aggregate_observations`` for one series at many "now"s, O(log n) each.

    Prefix sums of a_i = exp((t_i − ref)·k) let a window's decayed sum be read as
    (P[hi] − P[lo]) · exp((ref − now)·k). Older terms are the smaller ones, so the
    subtraction loses no precision. Used by the backfill (one "now" per day).
    """

    def __init__(self, signal: SignalSpec, observations: Sequence[Obs], ref: dt.datetime):
        self.signal = signal
        # New Obs only where a value needs clamping (NaN fails the comparison too): most series need none.
        observations = list(observations)
        if all(-VALUE_LIMIT <= o.value <= VALUE_LIMIT for o in observations):
            clamped = observations
        else:
            clamped = [Obs(o.at, clamp_value(o.value)) for o in observations]
        self.obs = sorted(clamped, key=lambda o: (o.at, o.value))
        self.t = [_epoch(o.at) for o in self.obs]
        self.ref = _epoch(ref)
        k = self.k = signal.decay_rate
        # Per-signal constants of ``at`` (seconds), read once.
        self.win = signal.window_days * DAY_SECONDS
        self.horizon = signal.horizon_days * DAY_SECONDS
        self.p_av, self.p_a, self.p_v = [0.0], [0.0], [0.0]
        for t, o in zip(self.t, self.obs, strict=True):
            a = math.exp((t - self.ref) * k) if k else 1.0
            self.p_av.append(self.p_av[-1] + a * o.value)
            self.p_a.append(self.p_a[-1] + a)
            self.p_v.append(self.p_v[-1] + o.value)

    def at(self, now: dt.datetime) -> SignalAggregate:
        return self.at_epoch(_epoch(now))

    def at_epoch(self, now_s: float) -> SignalAggregate:
        """``at`` for "now" given in epoch seconds (a rebuild reads every series at the same instants)."""
        t, win = self.t, self.win
        hi = bisect_right(t, now_s)
        # Each bound is at most ``now``: searching below ``hi`` (and above ``h_lo``) finds the same index.
        h_lo = bisect_right(t, now_s - self.horizon, 0, hi)
        if hi <= h_lo:  # nothing within the horizon: only when the data stopped, if loaded
            return SignalAggregate(newest_at=self.obs[hi - 1].at if hi else None)
        w_lo = bisect_right(t, now_s - win, h_lo, hi)  # max(h_lo, …)
        p_lo = bisect_right(t, now_s - 2 * win, h_lo, hi)
        k = self.k
        scale = math.exp((self.ref - now_s) * k) if k else 1.0
        newest = self.obs[hi - 1]
        p_av, p_a, p_v = self.p_av, self.p_a, self.p_v
        return SignalAggregate(
            newest_at=newest.at, latest=newest.value, n=hi - w_lo,
            wsum=(p_av[hi] - p_av[w_lo]) * scale, wtot=(p_a[hi] - p_a[w_lo]) * scale,
            vsum=p_v[hi] - p_v[w_lo], pn=w_lo - p_lo, psum=p_v[w_lo] - p_v[p_lo],
        )
