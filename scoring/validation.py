"""Validation services: feed the pure backtest from the database, suggest weights,
turn a suggestion into a draft model version.

Reads are set-based: one query per table (outcomes, snapshots, tasks) whatever the
number of accounts. The what-if preview lives in ``scoring.validation_preview``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Outcome
from playbooks.models import Severity, Task
from scoring.audit import audit_record
from scoring.backtest import (
    CHURNED,
    TOLERANCE_DAYS,
    BacktestInput,
    Intervention,
    OutcomeCase,
    Timelines,
    backtest_report,
)
from scoring.backtest_columns import (
    SubScores,
    replay_columns,
    rescore_columns,
    timelines_from_columns,
)
from scoring.backtest_rescore import ModelWeights, rescore_timeline
from scoring.backtest_suggest import (
    SUGGEST_FROM_DAYS,
    SUGGEST_TO_DAYS,
    Suggestion,
    fit_weights,
    suggest_weights,
)
from scoring.backtest_thresholds import CALIBRATION_HORIZON, RENEWAL_HORIZON
from scoring.models import CategoryWeight, ScoreModelVersion, ScoreSnapshot, SignalWeight, Tier
from scoring.snapshot_pack import ENTRY, signal_keys
from scoring.validation_columns import (
    empty_subscores,
    recorded_read,
    subscores_read,
    windows_filter,
)
from scoring.versions import version_clone_as_draft

DEFAULT_PERIOD_DAYS = 365
# History read before the period: 180-day lookbacks plus the as-of tolerance.
HISTORY_MARGIN_DAYS = 200


def red_intervention_q() -> Q:
    """A task that counts as a red intervention (``scoring.measures``): done, and opened
    while the account was red — the tier recorded on the task; a task that recorded no
    tier counts when it came from the red playbook or was of high severity."""
    return Q(status=Task.Status.DONE, closed_at__isnull=False) & (
        Q(opened_in_tier=Tier.RED)
        | (Q(opened_in_tier="") & (Q(playbook__tier=Tier.RED) | Q(severity=Severity.HIGH)))
    )


def version_weights(version: ScoreModelVersion) -> ModelWeights:
    """A model version's weights, thresholds and stability rules as plain data."""
    signal_rows = list(SignalWeight.objects.filter(version=version).values_list("signal__key", "signal__category", "weight"))
    return ModelWeights(
        category_weights=dict(CategoryWeight.objects.filter(version=version).values_list("category", "weight")),
        signal_weights={key: w for key, _, w in signal_rows},
        signal_categories={key: cat for key, cat, _ in signal_rows},
        green=version.green_threshold,
        yellow=version.yellow_threshold,
        hold_days=version.hold_days,
        rapid_points=version.rapid_decline_points,
        rapid_days=version.rapid_decline_days,
    )


@dataclass
class Period:
    start: date
    end: date
    as_of: date

    @classmethod
    def default(cls, now: datetime, start: date | None = None, end: date | None = None) -> Period:
        """The chosen period, as of its end: a book replayed for a past year is judged with
        what was known on its last day (snapshots up to then, red days given their full
        horizon before it). Without an end: today; without a start: 365 days before the end."""
        today = timezone.localdate(now)
        end = min(end, today) if end else today
        return cls(start=start or end - timedelta(days=DEFAULT_PERIOD_DAYS), end=end, as_of=end)


def _snapshots(version: ScoreModelVersion | None, period: Period, account_ids=None):
    qs = ScoreSnapshot.objects.filter(date__gte=period.start - timedelta(days=HISTORY_MARGIN_DAYS), date__lte=period.as_of)
    if version is not None:
        qs = qs.filter(model_version__model_id=version.model_id)
    if account_ids is not None:
        qs = qs.filter(account_id__in=account_ids)
    return qs.order_by("account_id", "date")


def timelines_recorded(period: Period) -> Timelines:
    """Every account's stored score and effective tier, as it was shown at the time."""
    return recorded_read(_snapshots(None, period))


def component_series(version: ScoreModelVersion, period: Period, account_ids=None) -> dict[int, list[tuple[date, dict]]]:
    """(date, components) per account for the accounts scored by ``version``'s model.

    The components hold only what re-scoring reads: each signal's key and sub-score,
    and the override's effect and value. Compact snapshots (``scoring.snapshot_pack``) are
    unpacked here (~1 µs a signal); older ones carry the same in their JSON.
    """
    if account_ids is not None and not account_ids:
        return {}
    qs = _snapshots(version, period, account_ids)
    series: dict[int, list[tuple[date, dict]]] = {}
    keys = signal_keys()
    rows = qs.values_list("account_id", "date", "packed", "components", "override_active")
    for account_id, when, packed, components, override_active in rows.iterator(chunk_size=5000):
        override = (components or {}).get("override") if override_active else None
        override = {"effect": override["effect"], "value": override["value"]} if override else None
        if packed is None:  # a snapshot from before the compact format
            signals = [{"key": s["key"], "sub_score": s.get("sub_score")}
                       for s in (components or {}).get("signals") or () if "key" in s]
        else:
            signals = [{"key": keys.get(pk, f"signal-{pk}"), "sub_score": None if sub != sub else round(sub, 2)}
                       for pk, sub, _ in ENTRY.iter_unpack(bytes(packed))]
        series.setdefault(account_id, []).append((when, {"signals": signals, "override": override}))
    return series


def model_subscores(version: ScoreModelVersion, period: Period, account_ids=None, windows=None) -> SubScores:
    """The sub-scores of the accounts scored by ``version``'s model, as columns
    (``scoring.validation_columns``); ``windows``: only the snapshots in these
    (account, first day, last day) windows."""
    if (account_ids is not None and not account_ids) or (windows is not None and not windows):
        return empty_subscores()
    qs = _snapshots(version, period, account_ids)
    return subscores_read(qs, None if windows is None else windows_filter(windows))


def timelines_rescored(version: ScoreModelVersion, period: Period, series=None) -> Timelines:
    """Every account of the version's model, re-scored from snapshot components with its weights.

    ``series``: the model's history when already loaded — columns (``model_subscores``: the
    formula on whole columns, equal to the per-snapshot one), or a ``component_series`` dict
    (re-scored one snapshot at a time, the reference)."""
    weights = version_weights(version)
    if isinstance(series, dict):
        return {a: rescore_timeline(s, weights) for a, s in series.items()}
    data = model_subscores(version, period) if series is None else series
    scores = rescore_columns(data, weights)
    tiers = replay_columns(data.account, data.day, scores, weights)
    timelines = timelines_from_columns(data.account, data.day, scores, tiers)
    for account_id in data.accounts():  # an account none of whose snapshots has a score still counts
        timelines.setdefault(account_id, [])
    return timelines


def outcome_cases(period: Period, account_ids=None) -> list[OutcomeCase]:
    qs = Outcome.objects.filter(date__gte=period.start, date__lte=period.end)
    if account_ids is not None:
        qs = qs.filter(account_id__in=account_ids)
    return [OutcomeCase(a, k, d) for a, k, d in qs.values_list("account_id", "kind", "date")]


def interventions(period: Period) -> list[Intervention]:
    rows = (
        Task.objects.filter(red_intervention_q(), closed_at__date__gte=period.start - timedelta(days=HISTORY_MARGIN_DAYS))
        .values_list("account_id", "created_at", "closed_at")
    )
    return [Intervention(a, timezone.localdate(c), timezone.localdate(x)) for a, c, x in rows]


def backtest_run(
    *,
    version: ScoreModelVersion | None = None,
    now: datetime,
    start: date | None = None,
    end: date | None = None,
    series: SubScores | dict | None = None,
) -> dict:
    """The backtest report for a period: as recorded (no version), or with the history
    re-scored under ``version``'s weights (only that version's model's accounts).
    ``series``: the model's history, when already loaded (``model_subscores``; the preview
    compares two versions of one model on the same history)."""
    period = Period.default(now, start, end)
    timelines = timelines_recorded(period) if version is None else timelines_rescored(version, period, series)
    account_ids = None if version is None else set(timelines)
    outcomes = outcome_cases(period)
    if account_ids is not None:
        outcomes = [o for o in outcomes if o.account_id in account_ids]
    data = BacktestInput(timelines, outcomes, interventions(period), period.start, period.end, period.as_of)
    report = backtest_report(data)
    report["period"] = {"start": period.start, "end": period.end, "as_of": period.as_of}
    report["mode"] = "recorded" if version is None else "rescored"
    report["version"] = None if version is None else {"id": version.pk, "label": str(version)}
    return report


# The days before an outcome that the suggestions read: weights (90, 14), thresholds (30, 90).
SUGGESTION_HORIZONS = (SUGGEST_FROM_DAYS, SUGGEST_TO_DAYS, CALIBRATION_HORIZON, RENEWAL_HORIZON)


def outcome_series(version: ScoreModelVersion, period: Period, outcomes: list[OutcomeCase] | None = None) -> SubScores:
    """The snapshots both suggestions read (load them once and pass them to both): for each
    outcome of the period and each horizon, the days from ``TOLERANCE_DAYS`` before it to it —
    the only ones ``components_on`` can pick (~30 rows an outcome instead of a year of them)."""
    outcomes = outcome_cases(period) if outcomes is None else outcomes
    windows = [(o.account_id, o.date - timedelta(days=h + TOLERANCE_DAYS), o.date - timedelta(days=h))
               for o in outcomes for h in SUGGESTION_HORIZONS]
    return model_subscores(version, period, windows=windows)


def components_on(data: SubScores, bounds: dict[int, tuple[int, int]], account_id: int, when: date) -> dict | None:
    """The components of the account's snapshot on ``when`` or up to TOLERANCE_DAYS before it
    (``bounds``: ``data.accounts()``)."""
    rows = bounds.get(account_id)
    row = None if rows is None else data.row_on(rows, when, TOLERANCE_DAYS)
    return None if row is None else data.components(row)


def weights_suggest(
    *, version: ScoreModelVersion, now: datetime, start: date | None = None, end: date | None = None, series=None
) -> Suggestion:
    """Suggested weights for ``version``'s model from the outcomes in the period.

    For every churned (positive) and renewed/expanded (retained) account of the model,
    each signal's sub-score as of 90 days before the outcome is compared with its
    sub-score as of 14 days before: a drop of ≥ 10 points is a deterioration.
    ``series``: ``outcome_series`` when already loaded.
    """
    period = Period.default(now, start, end)
    outcomes = [o for o in outcome_cases(period) if o.kind in (CHURNED, "renewed", "expanded")]
    if series is None:
        series = outcome_series(version, period, outcomes)
    bounds = series.accounts()
    cases, fit_cases = [], []
    for o in outcomes:
        before = components_on(series, bounds, o.account_id, o.date - timedelta(days=SUGGEST_FROM_DAYS))
        after = components_on(series, bounds, o.account_id, o.date - timedelta(days=SUGGEST_TO_DAYS))
        if before is not None:
            fit_cases.append((o.kind == CHURNED, before))
        if before is None or after is None:
            continue
        subs_before, subs_after = _sub_scores(before), _sub_scores(after)
        keys = subs_before.keys() | subs_after.keys()
        cases.append((o.kind == CHURNED, {k: (subs_before.get(k), subs_after.get(k)) for k in keys}))
    weights = version_weights(version)
    suggestion = suggest_weights(cases, weights.shares())
    suggestion.fit = fit_weights(fit_cases, weights)
    if suggestion.fit is not None:
        for ev in suggestion.signals:
            ev.fitted_share = suggestion.fit.shares.get(ev.key, 0.0)
    return suggestion


def _sub_scores(components: dict) -> dict[str, float | None]:
    return {s["key"]: s.get("sub_score") for s in components.get("signals") or [] if "key" in s}


@transaction.atomic
def draft_create_from_suggestion(
    *,
    version: ScoreModelVersion,
    actor,
    now: datetime,
    start: date | None = None,
    end: date | None = None,
    method: str | None = None,
) -> ScoreModelVersion:
    """A new draft of ``version``'s model holding the suggested weights (``method``:
    "fitted" or "frequency"; default: the fitted ones when they exist).

    Shares become percentages: each signal's weight is its share × 100 and each
    category's weight the sum of its signals' shares × 100, so a signal's effective
    share in the draft equals its suggested share exactly.
    """
    suggestion = weights_suggest(version=version, now=now, start=start, end=end)
    if not suggestion.enough:
        raise ValidationError(
            f"Too few outcomes to suggest weights ({suggestion.churned_cases} churned, "
            f"{suggestion.retained_cases} retained; need {suggestion.minimum} churned and "
            f"{suggestion.minimum_retained} retained)."
        )
    if method == "fitted" and suggestion.fit is None:
        raise ValidationError("No fitted weights for this period: the frequency method is the only suggestion.")
    method = method or suggestion.method
    weights = version_weights(version)
    draft = version_clone_as_draft(version=version, actor=actor)
    before = {"signals": weights.signal_weights, "categories": weights.category_weights}
    shares = suggestion.shares(method)
    signal_rows = {row.signal.key: row for row in SignalWeight.objects.filter(version=draft).select_related("signal")}
    for key, row in signal_rows.items():
        row.weight = round(100 * shares.get(key, 0.0), 2)
    SignalWeight.objects.bulk_update(signal_rows.values(), ["weight"])
    categories: dict[str, float] = {}
    for row in signal_rows.values():
        categories[row.signal.category] = categories.get(row.signal.category, 0.0) + row.weight
    CategoryWeight.objects.filter(version=draft).exclude(category__in=categories).update(weight=0)
    CategoryWeight.objects.bulk_create(
        [CategoryWeight(version=draft, category=c, weight=round(w, 2)) for c, w in categories.items()],
        update_conflicts=True,
        unique_fields=["version", "category"],
        update_fields=["weight"],
    )
    period = Period.default(now, start, end)
    held_out = (
        f"; held-out AUC {suggestion.fit.cv_auc:.3f} vs {suggestion.fit.current_auc:.3f} today"
        if method == "fitted" and suggestion.fit.cv_auc is not None and suggestion.fit.current_auc is not None else ""
    )
    draft.notes = (
        f"Suggested weights ({method}) from the backtest of {version}, outcomes {period.start} – {period.end} "
        f"({suggestion.churned_cases} churned, {suggestion.retained_cases} retained accounts{held_out})."
        + (f"\n{draft.notes}" if draft.notes else "")
    )
    draft.save(update_fields=["notes"])
    after = {"signals": {k: r.weight for k, r in signal_rows.items()}, "categories": categories}
    audit_record(actor=actor, action="suggested_weights", obj=draft, before=before, after=after | {"method": method})
    return draft
