"""Accounts the engine could not score: skipped, logged and listed, so one account's data never
stops a chunk (the others are scored and written as usual)."""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from dataclasses import dataclass

from django.utils import timezone

from scoring.models import ScoringError

logger = logging.getLogger("healthscore.scoring")


@dataclass(frozen=True)
class Failure:
    account_id: int
    model_version_id: int | None
    error: str
    traceback: str


def failure_of(account_id: int, model_version_id: int | None, exc: BaseException) -> Failure:
    """Log the failure now (with its traceback) and describe it for the admin list."""
    logger.exception("scoring account %s failed; it is skipped, the others are scored", account_id)
    text = f"{type(exc).__name__}: {exc}"
    return Failure(account_id=account_id, model_version_id=model_version_id, error=text[:500],
                   traceback="".join(traceback.format_exception(exc))[-20000:])


def scoring_errors_record(*, failures: list[Failure], now: dt.datetime) -> None:
    """One row per account and day (a later failure the same day adds nothing). One statement."""
    if not failures:
        return
    date = timezone.localdate(now)
    ScoringError.objects.bulk_create(
        [ScoringError(account_id=f.account_id, date=date, occurred_at=now, model_version_id=f.model_version_id,
                      error=f.error, traceback=f.traceback) for f in failures],
        ignore_conflicts=True,
    )
