"""Per-token request throttling for the REST API, counted in the shared cache."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from support.models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    """One bucket per API token (keyed by its public prefix), or per user for session requests.

    The rate is ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["token"]`` (env ``API_THROTTLE_RATE``),
    read at request time so tests and deploys can change it.

    Counted per fixed window with the cache's atomic ``add`` + ``incr`` (Redis, or the database
    cache of healthscore.cache): every web process shares one count, and two processes counting
    at the same instant cannot both take the last request. (DRF's own throttle reads a list of
    timestamps and writes it back, which loses concurrent requests.)
    """

    scope = "token"

    def get_rate(self) -> str | None:
        return settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}).get(self.scope)

    def allow_request(self, request, view) -> bool:
        # DRF parses the rate once in __init__; re-read it so a changed setting applies.
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        bucket = f"{key}:{window}"
        self.cache.add(bucket, 0, self.duration + 5)
        try:
            count = self.cache.incr(bucket)
        except ValueError:  # expired between add and incr: this request opens the bucket
            self.cache.add(bucket, 1, self.duration + 5)
            count = 1
        self.wait_seconds = (window + 1) * self.duration - now
        return count <= self.num_requests

    def wait(self) -> float | None:
        return getattr(self, "wait_seconds", None)

    def get_cache_key(self, request, view) -> str | None:
        if isinstance(request.auth, ApiToken):
            ident = f"token:{request.auth.prefix}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}
