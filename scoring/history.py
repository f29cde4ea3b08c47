"""History for any date range: rebuild it from the observations, never silently replacing what is stored.

``history_rebuild`` is the one path of every rebuild of history — ``recompute_scores --from/--to`` and
``--backfill-days``, ``scores_recompute(backfill_days=…)`` or ``(first_day=…, last_day=…)`` — and builds one
snapshot per account per day (hysteresis and change log forward; each snapshot names its version). Where the
range already holds snapshots — any stored snapshot, today's too: the rebuild rewrites it — it refuses
(``HistoryExists``) unless ``replace`` is given; a replacement is audited (an ``AuditEvent`` with the versions
replaced) and leaves a change-log marker on the first rebuilt day of each account ("History replaced …"),
shown in its change log and timeline.

Two ways to score the days, kept deliberately apart:

- a date range (``first_day``..``last_day``): day D scored as of its end; no task or notification is produced
  (it returns today's changes only, and nobody evaluates triggers on them);
- the last ``days`` days (``--backfill-days``): day D scored as of now − (today − D), and today's changes are
  recorded in the outbox (``effects``), so the playbook tasks and alerts of today — and only today — follow.

``snapshots_export`` streams account_external_id,date,score,tier rows for a date range (constant memory).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from scoring.audit import audit_record
from scoring.models import ScoreChange, ScoreModelVersion, ScoreSnapshot
from scoring.services import Progress, _history_recompute, history_accounts
from scoring.writes import RecomputeResult, statistics_refresh, upsert

DAY = dt.timedelta(days=1)


class HistoryExists(Exception):
    """The range already holds snapshots: rebuilding would replace them (pass replace=True)."""

    def __init__(self, counts: dict[str, int], first_day: dt.date, last_day: dt.date):
        self.counts = counts
        described = ", ".join(f"{n} scored by {label}" for label, n in sorted(counts.items()))
        super().__init__(
            f"{sum(counts.values())} snapshot(s) already exist between {first_day} and {last_day} ({described}); "
            "rebuilding replaces them: pass --replace to do it (audited, with a change-log marker)."
        )


@dataclass
class RebuildResult:
    accounts: int
    snapshots: int
    replaced: int
    result: RecomputeResult


def _stored(account_ids: Sequence[int] | None, first_day: dt.date, last_day: dt.date):
    """The stored snapshots the rebuild would rewrite (None: of the accounts it covers, as a subquery)."""
    qs = ScoreSnapshot.objects.filter(date__gte=first_day, date__lte=last_day)
    if account_ids is None:
        return qs.filter(account_id__in=history_accounts(first_day).values("pk"))
    return qs.filter(account_id__in=list(account_ids))


def _version_labels(ids) -> dict[int, str]:
    return {v.pk: f"{v.model} v{v.number}" for v in ScoreModelVersion.objects.filter(pk__in=list(ids))
            .select_related("model")}


def history_rebuild(
    *, first_day: dt.date | None = None, last_day: dt.date | None = None, days: int = 0,
    now: dt.datetime | None = None, account_ids: Sequence[int] | None = None, replace: bool = False, actor=None,
    progress: Progress | None = None, effects: bool = True, jobs: int = 1,
) -> RebuildResult:
    """Rebuild the daily history of ``first_day``..``last_day``, or of the last ``days`` days ending today
    (``effects``: record today's changes for the triggers; ``False`` for a seed; ``jobs``: processes computing
    the chunks, on PostgreSQL); see the module docstring."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if days:
        if first_day is not None or last_day is not None:
            raise ValueError("give either days or a date range")
        if days < 0:
            raise ValueError("days must be 0 or more")
        first_day, last_day = today - (days - 1) * DAY, today
    elif first_day is None or last_day is None:
        raise ValueError("give days or both ends of the range")
    if first_day > last_day:
        raise ValueError("the range ends before it starts")
    if last_day > today:
        raise ValueError("the range ends in the future")
    stored = _stored(account_ids, first_day, last_day)
    by_version = dict(stored.values("model_version").annotate(n=Count("pk")).values_list("model_version", "n"))
    labels = _version_labels(by_version)
    counts = {labels[v]: n for v, n in by_version.items()}
    if by_version and not replace:
        raise HistoryExists(counts, first_day, last_day)
    before: dict[int, tuple[float, str, int]] = {}
    if by_version:
        # The replaced series, per account: its first stored day's score, tier and version, for the marker —
        # one row per account from the database (a year of 100,000 accounts is 36M rows; only 100,000 are read).
        first = stored.annotate(n=Window(RowNumber(), partition_by=[F("account_id")], order_by=F("date").asc()))
        for aid, date, score, tier, version in first.filter(n=1).values_list("account_id", "date", "score", "tier",
                                                                              "model_version"):
            before[aid] = (score, tier, version, date)
    result = _history_recompute(account_ids=None if account_ids is None else list(account_ids), now=now,
                                first_day=first_day, last_day=last_day, days=days, progress=progress,
                                effects=effects, jobs=jobs)
    if by_version:
        _mark_replaced(before, first_day, last_day, labels, now)
        published = ScoreModelVersion.objects.filter(status=ScoreModelVersion.Status.PUBLISHED).order_by("pk").first()
        audit_record(  # on the version now scoring the book: Admin › Audit events shows it
            actor=actor, action="history_replace", obj=published,
            before={"first_day": first_day.isoformat(), "last_day": last_day.isoformat(), "snapshots": counts},
            after={"versions": sorted(_version_labels(_stored(account_ids, first_day, last_day)
                                                      .values_list("model_version", flat=True).distinct()).values()),
                   "accounts": len(result.account_ids)},
        )
    written = _stored(result.account_ids, first_day, last_day).count()
    statistics_refresh(ScoreSnapshot, written)  # the backtest of the new history plans on its rows
    return RebuildResult(accounts=len(result.account_ids), snapshots=written, replaced=sum(by_version.values()),
                         result=result)


def _mark_replaced(before: dict, first_day: dt.date, last_day: dt.date, labels: dict[int, str],
                   now: dt.datetime) -> None:
    """One change-log marker per account whose stored history was replaced, on its first replaced day."""
    new = {(a, d): (s, t, v) for a, d, s, t, v in ScoreSnapshot.objects.filter(
        account_id__in=list(before), date__in={b[3] for b in before.values()})
        .values_list("account_id", "date", "score", "tier", "model_version")}
    new_labels = _version_labels({v for _, _, v in new.values()})
    markers = []
    for aid, (score, tier, version, date) in before.items():
        after = new.get((aid, date))
        if after is None:
            continue
        markers.append(ScoreChange(
            account_id=aid, date=date, from_score=score, to_score=after[0], from_tier=tier, to_tier=after[1],
            tier_changed=False, cause=ScoreChange.Cause.HISTORY_REPLACED, model_version_id=after[2],
            signal_deltas=[], created_at=now,
            summary=(f"History replaced for {first_day}–{last_day}: now scored by {new_labels[after[2]]} "
                     f"(was {labels[version]})")[:500],
        ))
    upsert(ScoreChange, markers, ["account", "date", "cause"],
           ["from_score", "to_score", "from_tier", "to_tier", "tier_changed", "model_version", "signal_deltas",
            "summary", "created_at"])


EXPORT_HEADER = ["account_external_id", "date", "score", "tier"]


def snapshot_rows(*, first_day: dt.date, last_day: dt.date, account_ids: Sequence[int] | None = None
                  ) -> Iterator[tuple[str, dt.date, float, str]]:
    """(external id, date, score, tier) for the range, ordered by account and date, read in chunks."""
    qs = ScoreSnapshot.objects.filter(date__gte=first_day, date__lte=last_day)
    if account_ids is not None:
        qs = qs.filter(account_id__in=list(account_ids))
    yield from (qs.order_by("account__external_id", "date")
                .values_list("account__external_id", "date", "score", "tier").iterator(chunk_size=5000))


def snapshots_export(*, out, first_day: dt.date, last_day: dt.date) -> int:
    """Write the range's snapshots as CSV to ``out``; returns the number of rows."""
    writer = csv.writer(out)
    writer.writerow(EXPORT_HEADER)
    n = 0
    for ext, date, score, tier in snapshot_rows(first_day=first_day, last_day=last_day):
        writer.writerow([ext, date.isoformat(), f"{score:.2f}", tier])
        n += 1
    return n
