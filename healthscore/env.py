"""Tiny typed helpers that read settings from the environment and refuse bad values.

Each helper raises ``ImproperlyConfigured`` naming the variable and what was wrong,
so a typo in a deployment fails at start-up with a clear message instead of
silently falling back to a default.
"""

from __future__ import annotations

import os
from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


def env_str(name: str, default: str | None = None, *, required: bool = False) -> str | None:
    value = os.environ.get(name)
    if value is None or value == "":
        if required:
            raise ImproperlyConfigured(f"{name} must be set")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a boolean: use one of true/false, 1/0, yes/no, on/off"
    )


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} is below the minimum {minimum}")
    if maximum is not None and number > maximum:
        raise ImproperlyConfigured(f"{name}={number} is above the maximum {maximum}")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return list(default)
    items = [item.strip() for item in value.split(",")]
    if any(item == "" for item in items):
        raise ImproperlyConfigured(f"{name}={value!r} has an empty item: separate values with single commas")
    return items


def env_url(name: str, default: str | None = None, *, schemes: tuple[str, ...]) -> str | None:
    value = env_str(name, default)
    if value is None:
        return None
    parsed = urlparse(value)
    if parsed.scheme not in schemes:
        allowed = ", ".join(schemes)
        raise ImproperlyConfigured(f"{name} must be a URL with scheme {allowed}; got {value!r}")
    if not parsed.netloc and parsed.scheme not in ("sqlite",):
        raise ImproperlyConfigured(f"{name}={value!r} has no host")
    return value


def env_timezone(name: str, default: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    value = env_str(name, default)
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(f"{name}={value!r} is not a known time zone (e.g. Europe/Paris, UTC)") from None
    return value


def env_header_pair(name: str, default: tuple[str, str] | None) -> tuple[str, str] | None:
    """A (META header, value) pair written ``HTTP_X_FORWARDED_PROTO,https`` (Django's SECURE_PROXY_SSL_HEADER);
    ``none``/``off`` unsets it."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    if value.strip().lower() in ("none", "off", "false"):
        return None
    header, sep, expected = (part.strip() for part in value.partition(","))
    if not sep or not header or not expected or "," in expected:
        raise ImproperlyConfigured(f"{name}={value!r} must be 'HEADER,value', e.g. HTTP_X_FORWARDED_PROTO,https")
    if not header.startswith("HTTP_") or not header.replace("_", "").isalnum() or header != header.upper():
        raise ImproperlyConfigured(f"{name}={value!r}: the header must be a request.META name such as HTTP_X_FORWARDED_PROTO")
    return header, expected


def env_choice(name: str, default: str, *, choices: tuple[str, ...]) -> str:
    value = env_str(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} is not one of {', '.join(choices)}")
    return value
