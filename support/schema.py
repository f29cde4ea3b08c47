"""drf-spectacular extension: describe our bearer tokens in the OpenAPI schema."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "support.api_auth.TokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token created in the admin (Support › API tokens): `Authorization: Bearer hs_…`.",
        }


class HealthscoreAutoSchema(AutoSchema):
    """Name components after their full nesting (``ObservationBatchCreateApi.OutputSerializer`` →
    ``ObservationBatchCreateApiOutput``), so each view's nested Input/Output serializers stay distinct."""

    def get_serializer_name(self, serializer, direction) -> str:
        qualname = type(serializer).__qualname__
        parts = [p.removesuffix("Serializer") for p in qualname.split(".") if p != "<locals>"]
        return "".join(parts).lstrip("_")
