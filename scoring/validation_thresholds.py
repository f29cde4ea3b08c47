"""Suggested thresholds from the database, and drafts that hold them.

Feeds ``scoring.backtest_thresholds`` with each outcome of a model's accounts and its score
(re-scored under the version being calibrated) 30 and 90 days before the outcome.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction

from scoring.audit import audit_record
from scoring.backtest import CHURNED
from scoring.backtest_rescore import rescore
from scoring.backtest_thresholds import (
    CALIBRATION_HORIZON,
    RENEWAL_HORIZON,
    TARGET_RECALL,
    ThresholdSuggestion,
    calibrate_thresholds,
)
from scoring.models import ScoreModelVersion
from scoring.validation import (
    Period,
    components_on,
    outcome_cases,
    outcome_series,
    version_weights,
)
from scoring.versions import version_clone_as_draft


def thresholds_suggest(
    *,
    version: ScoreModelVersion,
    now: datetime,
    start: date | None = None,
    end: date | None = None,
    target_recall: float = TARGET_RECALL,
    series=None,
) -> ThresholdSuggestion:
    """Red and green cut-offs for ``version``'s model from the outcomes of the period
    (``series``: ``scoring.validation.outcome_series`` when already loaded)."""
    period = Period.default(now, start, end)
    weights = version_weights(version)
    outcomes = outcome_cases(period)
    if series is None:
        series = outcome_series(version, period, outcomes)
    bounds = series.accounts()
    at_30, at_90 = [], []
    for o in outcomes:
        for horizon, bucket in ((CALIBRATION_HORIZON, at_30), (RENEWAL_HORIZON, at_90)):
            comp = components_on(series, bounds, o.account_id, o.date - timedelta(days=horizon))
            score = None if comp is None else rescore(comp, weights)
            if score is not None:
                bucket.append((score, o.kind == CHURNED) if horizon == CALIBRATION_HORIZON else (score, o.kind))
    return calibrate_thresholds(
        at_30=at_30, at_90=at_90, current_red=version.yellow_threshold, current_green=version.green_threshold,
        target_recall=target_recall,
    )


@transaction.atomic
def draft_create_with_thresholds(
    *, version: ScoreModelVersion, actor, now: datetime, start: date | None = None, end: date | None = None
) -> ScoreModelVersion:
    """A draft holding the suggested cut-offs: a new draft of a published version, or the
    draft itself when ``version`` is one (so "weights + thresholds" is two clicks)."""
    suggestion = thresholds_suggest(version=version, now=now, start=start, end=end)
    if not suggestion.enough:
        raise ValidationError(
            f"Too few outcomes to suggest thresholds ({suggestion.churned} churned of {suggestion.cases} "
            f"with a score 30 days before; need {suggestion.minimum} churned and {suggestion.minimum} others)."
        )
    draft = version if version.is_editable else version_clone_as_draft(version=version, actor=actor)
    before = {"yellow_threshold": draft.yellow_threshold, "green_threshold": draft.green_threshold}
    draft.yellow_threshold, draft.green_threshold = suggestion.red, suggestion.green
    draft.full_clean(exclude=["model", "number", "created_by", "published_by"])
    period = Period.default(now, start, end)
    point = suggestion.point(suggestion.red)
    reach = f"; red recall at T−30 {100 * point.recall:.0f}%" if point and point.recall is not None else ""
    draft.notes = (
        f"Suggested thresholds from the backtest of {version}, outcomes {period.start} – {period.end}: "
        f"red below {suggestion.red:g}, green from {suggestion.green:g}{reach}." + (f"\n{draft.notes}" if draft.notes else "")
    )
    draft.save(update_fields=["yellow_threshold", "green_threshold", "notes"])
    audit_record(actor=actor, action="suggested_thresholds", obj=draft, before=before,
                 after={"yellow_threshold": draft.yellow_threshold, "green_threshold": draft.green_threshold})
    return draft
