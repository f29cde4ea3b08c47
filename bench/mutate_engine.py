"""Hand-made mutants of scoring/engine.py, each run against tests/scoring (``make mutation``).

Each mutant is one small, plausible mistake (a boundary, a fallback, a rounding choice). The runner
applies one at a time to the file in place, runs ``pytest tests/scoring -x``, and restores the file
(also on Ctrl-C). A mutant is *killed* when the suite fails, *survives* when it passes. Not part of
CI: it takes a few minutes (one suite run per surviving mutant).

    make mutation                    # every mutant
    make mutation MUTANTS="yellow boundary"   # only the named ones (substring match)
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENGINE = ROOT / "scoring" / "engine.py"

# (name, original text, mutated text): the original must occur exactly once in engine.py.
MUTANTS: list[tuple[str, str, str]] = [
    ("green boundary >= to >", "if score >= model.green:", "if score > model.green:"),
    ("yellow boundary >= to >", "if score >= model.yellow:", "if score > model.yellow:"),
    ("normalise clamp at 100 dropped", "return min(100.0, max(0.0, s))", "return max(0.0, s)"),
    ("normalise clamp at 0 dropped", "return min(100.0, max(0.0, s))", "return min(100.0, s)"),
    ("rapid-decline boundary >= to >", "history.peak - score >= model.rapid_decline_points",
     "history.peak - score > model.rapid_decline_points"),
    ("hold clock restart (keeps the old pending date for a new pending tier)",
     "prior.pending_since if prior.pending_tier == raw_tier and prior.pending_since else today",
     "prior.pending_since if prior.pending_since else today"),
    ("hold first day not counted", "(today - pending_since).days + 1 >= model.hold_days",
     "(today - pending_since).days >= model.hold_days"),
    ("rapid decline also upgrades at once", "if downgrade and is_rapid_decline(score, history, model):",
     "if is_rapid_decline(score, history, model):"),
    ("gradual decline strictness > to >=", "all(a > b for a, b in pairwise(checkpoints))",
     "all(a >= b for a, b in pairwise(checkpoints))"),
    ("gradual decline threshold <= to <", "long <= -GRADUAL_DECLINE_POINTS", "long < -GRADUAL_DECLINE_POINTS"),
    ("60-day trend fallback dropped", "long = d90 if d90 is not None else d60", "long = d90"),
    ("improving on 30 days >= to >", "d30 >= TREND_STABLE_POINTS", "d30 > TREND_STABLE_POINTS"),
    ("zero-weight signals in normalisation", "if sub is not None and sig.weight > 0 and model",
     "if sub is not None and sig.weight >= 0 and model"),
    ("override start boundary > to >=", "self.created_at is not None and self.created_at > now",
     "self.created_at is not None and self.created_at >= now"),
    ("override expiry boundary > to >=", "return self.expires_at > now and", "return self.expires_at >= now and"),
    ("penalty floor at 0 dropped", "return max(0.0, score - self.value)", "return score - self.value"),
    ("strongest override: max instead of min", "override = min(active, key=lambda o: (o.apply(raw), o.id))",
     "override = max(active, key=lambda o: (o.apply(raw), o.id))"),
    ("staleness boundary >= to >", "elif now - agg.newest_at >= sig.stale_after:",
     "elif now - agg.newest_at > sig.stale_after:"),
    ("stale-vs-missing label swapped",
     "status = \"stale\" if now - agg.newest_at >= sig.window else \"missing\"",
     "status = \"missing\" if now - agg.newest_at >= sig.window else \"stale\""),
    ("neutral policy scores 0", "elif sig.missing_policy == \"neutral\":\n        sub = NEUTRAL",
     "elif sig.missing_policy == \"neutral\":\n        sub = 0.0"),
    ("pct_change over a negative previous window (abs dropped)", "/ abs(agg.psum) * 100.0", "/ agg.psum * 100.0"),
    ("pct_change horizon one window", "windows = 2 if self.aggregation == \"pct_change\" else 1", "windows = 1"),
    ("mean without data is 0", "return agg.wsum / agg.wtot if agg.wtot > 0 else None",
     "return agg.wsum / agg.wtot if agg.wtot > 0 else 0.0"),
    ("decay on latest values", "if not self.half_life_days or self.aggregation not in (\"mean\", \"sum\", \"count\"):",
     "if not self.half_life_days:"),
    ("rounding half-up to half-even", "Decimal('0.1'), ROUND_HALF_UP)", "Decimal('0.1'), ROUND_HALF_EVEN)"),
    ("number of top reasons 3 to 4", "if rows[i][\"points_lost\"] >= 1][:3]]", "if rows[i][\"points_lost\"] >= 1][:4]]"),
    ("number of top reasons 3 to 2", "if rows[i][\"points_lost\"] >= 1][:3]]", "if rows[i][\"points_lost\"] >= 1][:2]]"),
    ("reasons include points lost under 1", "if rows[i][\"points_lost\"] >= 1][:3]]",
     "if rows[i][\"points_lost\"] > 0][:3]]"),
    ("not-enough-data boundary < to <=", "if share < model.min_data_share:", "if share <= model.min_data_share:"),
]


def _run_suite(timeout: int) -> tuple[bool, float, str]:
    """(failed, seconds, the first failing test or why)."""
    started = time.monotonic()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-rf", "tests/scoring"],
            cwd=ROOT, capture_output=True, text=True, timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return True, time.monotonic() - started, "timeout"  # a mutant that makes the suite hang is caught too
    first = next((line.split(" ", 1)[1].split(" - ")[0] for line in proc.stdout.splitlines()
                  if line.startswith(("FAILED tests/", "ERROR tests/"))), "")
    return proc.returncode != 0, time.monotonic() - started, first


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="only the mutants whose name contains one of these")
    parser.add_argument("--timeout", type=int, default=600)
    args = parser.parse_args()
    original = ENGINE.read_text()
    chosen = [m for m in MUTANTS if not args.names or any(n in m[0] for n in args.names)]
    for name, before, _after in chosen:
        if original.count(before) != 1:
            print(f"mutant {name!r}: its original text occurs {original.count(before)} times in engine.py")
            return 2
    failed, seconds, first = _run_suite(args.timeout)
    if failed:  # every mutant would look killed
        print(f"tests/scoring fails without any mutant ({first}): fix that first")
        return 2
    print(f"baseline: tests/scoring passes ({seconds:.0f} s)", flush=True)
    killed_names, survivors = [], []
    try:
        for name, before, after in chosen:
            ENGINE.write_text(original.replace(before, after, 1))
            killed, seconds, first = _run_suite(args.timeout)
            (killed_names if killed else survivors).append(name)
            by = f"  (by {first})" if killed and first else ""
            print(f"{'killed  ' if killed else 'SURVIVED'}  {seconds:5.1f} s  {name}{by}", flush=True)
    finally:
        ENGINE.write_text(original)
    total = len(chosen)
    print(f"\n{total} mutants tried, {len(killed_names)} killed, {len(survivors)} surviving"
          f" ({len(survivors) / total:.0%} surviving)" if total else "no mutants chosen")
    for name in survivors:
        print(f"  surviving: {name}")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
