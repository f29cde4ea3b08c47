"""Input bounds shared by every entry point (API, webhooks, CSV, pages, emails).

Values from outside are checked here, once, against what the rest of the system
(Python's datetime, PostgreSQL, SMTP headers) can hold, so a hostile or broken
value is refused with a message naming the field instead of failing deep inside
a query with a 500. ``BadInput`` is the one exception views raise for that;
``healthscore.errors`` turns it into a 400 (JSON on the API, a plain page on HTML).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

# PostgreSQL's timestamptz accepts UTC offsets up to 15:59 (Python allows up to 23:59).
MAX_UTC_OFFSET = dt.timedelta(hours=15, minutes=59)
# Business dates and timestamps (signals, tickets, renewals, outcomes, periods) live well inside
# these; the margin keeps every "date ± window" computation of the scoring and validation code
# inside Python's years 1–9999.
DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2999, 12, 31)
TIMESTAMP_MIN = dt.datetime.combine(DATE_MIN, dt.time.min, tzinfo=dt.UTC)
TIMESTAMP_MAX = dt.datetime.combine(DATE_MAX, dt.time.max, tzinfo=dt.UTC)
# For date fields of forms and serializers: ``forms.DateField(validators=DATE_BOUNDS)``.
DATE_BOUNDS = [MinValueValidator(DATE_MIN), MaxValueValidator(DATE_MAX)]
EXTERNAL_ID_MAX_LENGTH = 100  # accounts.Account.external_id, tickets' ids

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_RUN = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\s]+")


class BadInput(Exception):
    """A request value is unusable: answered 400 with ``{"detail": ..., "errors": {field: message}}``."""

    status = 400

    def __init__(self, errors: Mapping[str, str] | str, field: str | None = None):
        if isinstance(errors, str):
            errors = {field or "request": errors}
        self.errors = dict(errors)
        super().__init__(self.detail)

    @property
    def detail(self) -> str:
        return "; ".join(f"{name}: {message}" for name, message in self.errors.items())

    @classmethod
    def from_form(cls, form) -> BadInput:
        """The errors of an invalid Django form, one message per field."""
        return cls({name: " ".join(str(m) for m in messages) for name, messages in form.errors.items()})


def has_control_characters(text: str) -> bool:
    return bool(_CONTROL.search(text))


def header_text(text: str, *, max_length: int | None = None) -> str:
    """Text safe for one header line (an email subject): control characters and line breaks become spaces.

    An account called "Acme\\nBcc: x" would otherwise make Django refuse the whole message
    (BadHeaderError) or, with a lax mailer, inject a header.
    """
    cleaned = _CONTROL_RUN.sub(" ", text).strip()
    return cleaned[:max_length] if max_length is not None else cleaned


def external_id_check(value: Any, *, field: str = "external_id") -> str:
    """An account or ticket id as other systems send it: 1–100 characters, no control characters."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise BadInput("must be a string", field)
    text = str(value).strip()
    if not text:
        raise BadInput("is required", field)
    if has_control_characters(text):
        raise BadInput("must not contain control characters (such as NUL)", field)
    if len(text) > EXTERNAL_ID_MAX_LENGTH:
        raise BadInput(f"must be at most {EXTERNAL_ID_MAX_LENGTH} characters", field)
    return text


def timestamp_check(value: dt.datetime) -> dt.datetime:
    """``value`` (aware) if PostgreSQL and Python can store and shift it; ValueError saying why otherwise."""
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        raise ValueError("has a UTC offset beyond ±15:59")
    try:
        in_utc = value.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        in_utc = None
    if in_utc is None or not TIMESTAMP_MIN <= in_utc <= TIMESTAMP_MAX:
        raise ValueError(f"must be between {DATE_MIN.isoformat()} and {DATE_MAX.isoformat()} (UTC)")
    return value


def timestamp_parse(raw: Any) -> dt.datetime:
    """An aware, bounded datetime from ISO 8601 text (naive means the site time zone; a bare date is midnight).

    The one timestamp parser of every entry point (API, webhooks, CSV); ValueError with a reason.
    """
    if isinstance(raw, dt.datetime):
        value = raw
    elif isinstance(raw, str):
        text = raw.strip()
        try:
            value = parse_datetime(text)
        except ValueError:  # well-formed but impossible: month 13, offset +25:00
            value = None
        if value is None:
            try:
                day = parse_date(text)
            except ValueError:
                day = None
            if day is None:
                raise ValueError(f"must be an ISO 8601 date-time, got {raw!r}")
            value = dt.datetime.combine(day, dt.time.min)
    else:
        raise ValueError("must be an ISO 8601 date-time")
    if timezone.is_naive(value):
        try:
            value = timezone.make_aware(value)
        except (OverflowError, ValueError):
            raise ValueError(f"must be between {DATE_MIN.isoformat()} and {DATE_MAX.isoformat()} (UTC)") from None
    return timestamp_check(value)


def unix_timestamp_parse(raw: int | float) -> dt.datetime:
    """An aware, bounded datetime from seconds since the epoch; ValueError with a reason."""
    try:
        value = dt.datetime.fromtimestamp(raw, tz=dt.UTC)
    except (OverflowError, OSError, ValueError):
        raise ValueError("is not a valid unix timestamp") from None
    return timestamp_check(value)


def date_check(value: dt.date) -> dt.date:
    if not DATE_MIN <= value <= DATE_MAX:
        raise ValueError(f"must be between {DATE_MIN.isoformat()} and {DATE_MAX.isoformat()}")
    return value
