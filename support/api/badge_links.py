"""POST a signed badge link with a chosen lifetime (for a helpdesk sidebar's iframe or a bookmark)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from support.api.common import BaseApi, api_account_get, errors
from support.badges import BADGE_LIFETIME_MAX, BADGE_LIFETIME_MIN, badge_signed_url


class BadgeLinkCreateApi(BaseApi):
    """Mint a badge link for one account. Whoever holds the link sees that badge until it expires, so
    the link is for one account only (no email or domain lookups) and a restricted token mints only
    its own account's."""

    class InputSerializer(serializers.Serializer):
        account = serializers.CharField(max_length=100, help_text="The account's external id.")
        lifetime_seconds = serializers.IntegerField(
            min_value=BADGE_LIFETIME_MIN, max_value=BADGE_LIFETIME_MAX, default=3600,
            help_text="How long the link works (60 s to 366 days; default 1 hour).",
        )  # fmt: skip

    class OutputSerializer(serializers.Serializer):
        url = serializers.URLField()
        expires_at = serializers.DateTimeField()

    @extend_schema(
        operation_id="badge_link_create",
        summary="Mint a signed badge link with a chosen lifetime",
        request=InputSerializer,
        responses={201: OutputSerializer, **errors(400, 404)},
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        if not data.is_valid():
            raise exceptions.ValidationError(data.errors)
        account = api_account_get(request, data.validated_data["account"])
        lifetime = data.validated_data["lifetime_seconds"]
        url = badge_signed_url(external_id=account.external_id, lifetime=lifetime)
        expires = timezone.now().replace(microsecond=0) + dt.timedelta(seconds=lifetime)
        return Response(self.OutputSerializer({"url": url, "expires_at": expires}).data, status=201)
