"""Validation at scale: backtest, suggestion and preview times, and the suggestions' quality.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hs_bench_val SECRET_KEY=x .venv/bin/python bench/validation.py
    [--accounts 2000] [--days 365] [--build-only] [--no-quality]

Builds (once per size) a simulated book (``tests/validation/churn_book.py``: seeded RNG, churn
driven by relationship and support, *not* by the usage the standard weights favour) ending on
2025-06-30 — a past year, so every figure goes through the period's as-of date — with the
standard model published; refuses a database holding accounts that are not bench accounts.

Prints, each timed on the book's period:
- backtest as recorded, backtest re-scored under the published version, suggestion (weights:
  fitted + frequency; thresholds), and the preview of a draft (both backtests);
- the validation page (GET /validation/ for a CS-ops user);
- quality: AUC 90 days before and red recall 30 days before, under the published version
  and under a draft holding the fitted weights then the suggested thresholds; the fitted
  suggestion's held-out (5-fold) AUC beside the current weights' AUC on the same cases.

The snapshots are written compact, as the engine writes them (``--json``: the older full-JSON
format, in a database of its own). scikit-learn's first import is timed on its own line.
Measured at 2,000 × 365 on PostgreSQL, load average 2–4 on 2 shared cores: backtest 0.9–1.9 s,
re-scored 1.8–3.2 s, suggestion 0.8–1.6 s (weights) + 0.7–1.2 s (thresholds), preview
2.0–3.7 s, page 1.7–3.7 s (before the columnar path: 1.9, 29.1, 12.4 + 14.4 and 53.6 s); more
in the README's bench table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "healthscore.settings")
os.environ.setdefault("ALLOWED_HOSTS", "localhost")  # the page is fetched through the test client

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

END = dt.date(2025, 6, 30)
PREFIX = "bench-val"


def _timed(label: str, fn):
    t = time.perf_counter()
    result = fn()
    print(f"{label:<46} {time.perf_counter() - t:7.2f} s", flush=True)
    return result


def _build(n: int, days: int, compact: bool = True):
    from accounts.models import Account
    from scoring.models import ScoreModelVersion, Segment
    from tests.factories import create_published_version, create_standard_signals
    from tests.validation.churn_book import load, simulate

    foreign = Account.objects.exclude(external_id__startswith=PREFIX).count()
    if foreign:
        sys.exit(f"refusing: the database holds {foreign} accounts that are not bench accounts")
    existing = Account.objects.filter(external_id__startswith=PREFIX).count()
    segment, _ = Segment.objects.get_or_create(slug="default", defaults={"name": "Default", "is_default": True})
    if existing == n:
        return ScoreModelVersion.objects.get(model__segment=segment, status="published")
    if existing:
        sys.exit(f"the database holds a book of {existing} accounts; use a fresh database for {n}")
    version = create_published_version(segment, create_standard_signals())
    book = _timed(f"simulate {n} accounts × {days} days", lambda: simulate(n, days, end=END))
    _timed(f"load {len(book.subs)} snapshots", lambda: load(book, version=version, prefix=PREFIX, compact=compact))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return version


def _page_time(start: dt.date) -> None:
    from django.conf import settings
    from django.contrib.auth.models import Group, User
    from django.test import Client, override_settings

    user, _ = User.objects.get_or_create(username="bench-ops")
    group, _ = Group.objects.get_or_create(name="CS ops")
    user.groups.add(group)
    client = Client()
    client.force_login(user)
    # Static files as in development: the bench runs without collectstatic's manifest.
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    with override_settings(STORAGES=storages):
        response = _timed("validation page (GET /validation/)", lambda: client.get(
            f"/validation/?start={start.isoformat()}&end={END.isoformat()}", HTTP_HOST="localhost", secure=True))
    print(f"  status {response.status_code}, {len(response.content)} bytes")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--no-quality", action="store_true")
    parser.add_argument("--json", action="store_true", help="build the snapshots in the older full-JSON format")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    version = _build(args.accounts, args.days, compact=not args.json)
    if args.build_only:
        return

    from django.utils import timezone

    from scoring.models import ScoreModelVersion
    from scoring.validation import backtest_run, draft_create_from_suggestion, weights_suggest
    from scoring.validation_preview import preview_build
    from scoring.validation_thresholds import draft_create_with_thresholds, thresholds_suggest

    now = timezone.now()
    start = END - dt.timedelta(days=args.days - 1)
    period = {"start": start, "end": END}
    print(f"book: {args.accounts} accounts × {args.days} days, outcomes {start} – {END} (as of {END})")
    recorded = _timed("backtest as recorded", lambda: backtest_run(now=now, **period))
    published = _timed("backtest re-scored (published version)", lambda: backtest_run(version=version, now=now, **period))
    _timed("import scikit-learn (once per process)", lambda: __import__("sklearn.linear_model"))
    suggestion = _timed("suggestion: weights (fitted + frequency)", lambda: weights_suggest(version=version, now=now, **period))
    _timed("suggestion: thresholds", lambda: thresholds_suggest(version=version, now=now, **period))
    ScoreModelVersion.objects.filter(status="draft").delete()
    draft = draft_create_from_suggestion(version=version, actor=None, now=now, **period)
    draft = draft_create_with_thresholds(version=draft, actor=None, now=now, **period)
    preview = _timed("preview of a draft (both backtests)", lambda: preview_build(draft=draft, now=now, **period))
    _page_time(start)
    if args.no_quality:
        return
    after = preview["backtest"]["draft"]
    print(f"outcomes: {recorded['outcomes']}")
    for label, report in (("published (as recorded)", recorded), ("published (re-scored)", published),
                          ("draft: fitted weights + thresholds", after)):
        auc = report["auc"].value
        red30 = report["recall"][30]["red"]
        print(f"  {label:<36} AUC@90 {auc:.3f}   red recall T−30 {red30.percent}")
    if suggestion.fit:
        print(f"  fitted suggestion: held-out AUC {suggestion.fit.cv_auc:.3f} ({suggestion.fit.folds}-fold) "
              f"vs {suggestion.fit.current_auc:.3f} for the current weights on the same {suggestion.fit.cases} accounts")
    print(f"  draft thresholds: red below {draft.yellow_threshold:g}, green from {draft.green_threshold:g}")
    print("  fitted shares: " + ", ".join(f"{k} {100 * v:.0f}%" for k, v in sorted(
        (suggestion.fit.shares if suggestion.fit else {}).items(), key=lambda kv: -kv[1])))


if __name__ == "__main__":
    main()
