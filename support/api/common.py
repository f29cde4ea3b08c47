"""What every API view shares: scopes, the account restriction, throttling, documented errors."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import exceptions, permissions, serializers
from rest_framework.views import APIView

from accounts.access import visible_accounts
from accounts.capabilities import MESSAGES, Cap, can
from accounts.models import Account
from healthscore.json_parser import BoundedJSONParser
from support.models import ApiToken
from support.schema import HealthscoreAutoSchema
from support.throttles import TokenRateThrottle

INGEST = "ingest"
READ = "read"


def request_token(request) -> ApiToken | None:
    return request.auth if isinstance(request.auth, ApiToken) else None


SCOPE_CAPS = {INGEST: Cap.API_INGEST, READ: Cap.API_READ}


def has_scope(request, scope: str) -> bool:
    """Tokens carry scopes, signed-in people roles: the capability table says which may read or ingest."""
    return can(request.user, SCOPE_CAPS[scope])


def view_capability(view) -> Cap:
    """The capability an API view (or view class) needs: its ``capability``, else its scope's."""
    return getattr(view, "capability", None) or SCOPE_CAPS[getattr(view, "required_scope", READ)]


class ScopeRequired(permissions.BasePermission):
    """The capability table's answer for the view (accounts.capabilities)."""

    message = "This token lacks the scope this operation needs."

    def has_permission(self, request, view) -> bool:
        cap = view_capability(view)
        if can(request.user, cap):
            return True
        scope = getattr(view, "required_scope", READ)
        self.message = (
            f"This operation needs the '{scope}' scope." if cap in SCOPE_CAPS.values() else MESSAGES.get(cap, cap.value)
        )
        return False


class BaseApi(APIView):
    """One operation per view: parse the input, call a service, render the output."""

    schema = HealthscoreAutoSchema()
    permission_classes = [permissions.IsAuthenticated, ScopeRequired]
    throttle_classes = [TokenRateThrottle]
    # JSON bodies only, whatever the settings say: the schema then advertises application/json alone, and
    # clients generated from it (openapi-python-client) send JSON rather than falling back to multipart.
    parser_classes = [BoundedJSONParser]
    required_scope = READ


def account_restriction(request) -> int | None:
    token = request_token(request)
    return token.account_id if token is not None else None


def scoped_accounts(request) -> QuerySet[Account]:
    """The accounts this request may address: a token's restriction, or what the user may see."""
    token = request_token(request)
    if token is None:
        return visible_accounts(request.user)
    if token.account_id is not None:
        return Account.objects.filter(pk=token.account_id)
    return Account.objects.all()


def restriction_check(request, external_id: str) -> None:
    """403 when an account-restricted token names another account."""
    token = request_token(request)
    if token is not None and token.account_id is not None and token.account.external_id != external_id:
        raise exceptions.PermissionDenied("This token is restricted to another account.")


def api_account_get(request, external_id: str, *, related: tuple[str, ...] = ()) -> Account:
    restriction_check(request, external_id)
    account = scoped_accounts(request).select_related(*related).filter(external_id=external_id).first()
    if account is None:
        raise exceptions.NotFound(f"No account with external id {external_id!r}.")
    return account


DetailSerializer = inline_serializer("ErrorDetail", {"detail": serializers.CharField()})

_DESCRIPTIONS = {
    400: "Invalid input; nothing was stored.",
    401: "Missing, malformed or revoked token.",
    403: "The token lacks the needed scope, or is restricted to another account.",
    404: "No such account (or not visible to this token).",
    429: "Too many requests for this token; retry later.",
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """Documented error responses (always 401, 403 and 429, plus the given codes)."""
    out = {}
    for code in sorted({401, 403, 429, *codes}):
        schema = OpenApiTypes.OBJECT if code == 400 else DetailSerializer
        out[code] = OpenApiResponse(schema, description=_DESCRIPTIONS[code])
    return out
