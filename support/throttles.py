"""Per-token request throttling for the REST API."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from support.models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    """One bucket per API token (keyed by its public prefix), or per user for session requests.

    The rate is ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["token"]`` (env
    ``API_THROTTLE_RATE``), read at request time so tests and deploys can change it.
    """

    scope = "token"

    def get_rate(self) -> str | None:
        return settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}).get(self.scope)

    def allow_request(self, request, view) -> bool:
        # DRF parses the rate once in __init__; re-read it so a changed setting applies.
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str | None:
        if isinstance(request.auth, ApiToken):
            ident = f"token:{request.auth.prefix}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}
