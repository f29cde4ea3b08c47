"""GET health and history of one account."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from accounts.capabilities import Cap, can
from support.api.common import BaseApi, api_account_get, errors
from support.selectors import account_health, account_history


class ComponentSerializer(serializers.Serializer):
    key = serializers.CharField(required=False)
    label = serializers.CharField(required=False)
    category = serializers.CharField(required=False)
    unit = serializers.CharField(required=False, allow_blank=True)
    value = serializers.FloatField(required=False, allow_null=True)
    sub_score = serializers.FloatField(required=False, allow_null=True)
    weight_share = serializers.FloatField(required=False)
    contribution = serializers.FloatField(required=False)
    points_lost = serializers.FloatField(required=False)
    newest_at = serializers.CharField(required=False, allow_null=True)
    status = serializers.CharField(required=False)
    policy = serializers.CharField(required=False)


class AccountHealthApi(BaseApi):
    class OutputSerializer(serializers.Serializer):
        class AccountRefSerializer(serializers.Serializer):
            external_id = serializers.CharField()
            name = serializers.CharField()

        class OwnerSerializer(serializers.Serializer):
            username = serializers.CharField()
            name = serializers.CharField()
            email = serializers.CharField(allow_blank=True)

        class DeltasSerializer(serializers.Serializer):
            d7 = serializers.FloatField(allow_null=True)
            d30 = serializers.FloatField(allow_null=True)
            d90 = serializers.FloatField(allow_null=True)

        class FreshnessSerializer(serializers.Serializer):
            computed_at = serializers.DateTimeField()
            newest_observation_at = serializers.CharField(allow_null=True)
            stale_signals = serializers.ListField(child=serializers.CharField())
            missing_signals = serializers.ListField(child=serializers.CharField())

        account = AccountRefSerializer()
        owner = OwnerSerializer(allow_null=True)
        has_score = serializers.BooleanField(help_text="False until the account has been scored.")
        enough_data = serializers.BooleanField(
            help_text="False while too little of the model's weight has data ('not enough data yet'): "
                      "tier and raw_tier are null, no playbook or alert acts on it.")
        score = serializers.FloatField(allow_null=True)
        tier = serializers.CharField(allow_null=True)
        raw_tier = serializers.CharField(allow_null=True, help_text="Tier before the stability hold.")
        trend = serializers.CharField(allow_null=True)
        deltas = DeltasSerializer()
        top_reasons = serializers.ListField(child=serializers.CharField())
        components = ComponentSerializer(many=True)
        override = serializers.JSONField(allow_null=True)
        model_version = serializers.IntegerField(allow_null=True)
        freshness = FreshnessSerializer(allow_null=True)

    @extend_schema(
        operation_id="account_health",
        summary="Current health of an account, with its explanation",
        responses={200: OutputSerializer, **errors(404)},
    )
    def get(self, request, external_id: str):
        account = api_account_get(request, external_id, related=("owner",))
        people = can(request.user, Cap.READ_PEOPLE)
        return Response(self.OutputSerializer(account_health(account=account, people=people)).data)


class AccountHistoryApi(BaseApi):
    class InputSerializer(serializers.Serializer):
        days = serializers.IntegerField(
            min_value=1, max_value=730, default=90, required=False, help_text="Days of history, 1–730."
        )

    class OutputSerializer(serializers.Serializer):
        class PointSerializer(serializers.Serializer):
            date = serializers.DateField()
            score = serializers.FloatField()
            tier = serializers.CharField(help_text="Empty: not enough data yet that day.")
            raw_tier = serializers.CharField()
            model_version = serializers.IntegerField(source="model_version.number")
            override_active = serializers.BooleanField()

        account = serializers.CharField()
        days = serializers.IntegerField()
        points = PointSerializer(many=True)

    @extend_schema(
        operation_id="account_history",
        summary="Daily score snapshots of an account",
        parameters=[InputSerializer],
        responses={200: OutputSerializer, **errors(400, 404)},
    )
    def get(self, request, external_id: str):
        params = self.InputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        days = params.validated_data.get("days", 90)
        account = api_account_get(request, external_id)
        since = timezone.localdate() - dt.timedelta(days=days - 1)
        points = account_history(account=account, since=since)
        return Response(self.OutputSerializer({"account": account.external_id, "days": days, "points": points}).data)
