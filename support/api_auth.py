"""Bearer-token authentication for the REST API (tokens are created in the admin)."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import authentication, exceptions

from support.models import ApiToken


def active_token_get(key: str) -> ApiToken | None:
    """The unrevoked API token with this secret key (its account loaded), or None."""
    token = ApiToken.objects.select_related("account").filter(key_hash=ApiToken.hash_key(key)).first()
    return token if token is not None and token.revoked_at is None else None


class TokenUser:
    """The identity of a request made with an API token (not a Django user)."""

    is_authenticated = True
    is_active = True
    is_staff = False
    is_superuser = False
    is_anonymous = False

    def __init__(self, token: ApiToken):
        self.token = token
        self.pk = None
        self.id = None
        self.username = f"token:{token.prefix}"
        self.groups = None

    def __str__(self) -> str:
        return self.username


class TokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        parts = header.split()
        if len(parts) != 2 or parts[0] not in (self.keyword, "Token"):
            raise exceptions.AuthenticationFailed("Authorization header must be 'Bearer <token>'.")
        token = active_token_get(parts[1])
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return TokenUser(token), token

    def authenticate_header(self, request):
        return self.keyword
