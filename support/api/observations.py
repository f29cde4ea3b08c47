"""POST /api/v1/observations/ — idempotent, all-or-nothing batch ingest of signal values."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from scoring.ingest import MAX_ITEMS, IngestValidationError, observations_bulk_store
from support.api.common import INGEST, BaseApi, account_restriction, errors


class ObservationItemSerializer(serializers.Serializer):
    account = serializers.CharField(help_text="The account's external id.")
    signal = serializers.CharField(help_text="The signal definition's key, e.g. weekly_logins.")
    value = serializers.FloatField(help_text="A finite number.")
    observed_at = serializers.DateTimeField(help_text="ISO 8601; at most 5 minutes in the future.")
    key = serializers.CharField(
        required=False,
        max_length=255,
        help_text="Optional client idempotency key. Default: account + signal + observed_at + source.",
    )
    source = serializers.CharField(required=False, max_length=50, help_text="Default: api.")


class ObservationBatchCreateApi(BaseApi):
    required_scope = INGEST

    class InputSerializer(serializers.Serializer):
        # Only the envelope is parsed here: scoring.ingest checks every item (and
        # the count) so the API and the CSV importer report errors the same way.
        items = serializers.ListField(child=serializers.JSONField(), allow_empty=False)

    class DocInputSerializer(serializers.Serializer):
        items = serializers.ListField(min_length=1, max_length=MAX_ITEMS, child=ObservationItemSerializer())

    class OutputSerializer(serializers.Serializer):
        received = serializers.IntegerField()
        created = serializers.IntegerField(help_text="Items stored by this request.")
        duplicates = serializers.IntegerField(help_text="Items already stored (replays).")
        created_indexes = serializers.ListField(child=serializers.IntegerField())
        duplicate_indexes = serializers.ListField(child=serializers.IntegerField())

    class ErrorSerializer(serializers.Serializer):
        class ItemErrorSerializer(serializers.Serializer):
            index = serializers.IntegerField(help_text="Item index, or -1 for the whole batch.")
            field = serializers.CharField()
            message = serializers.CharField()

        detail = serializers.CharField()
        errors = ItemErrorSerializer(many=True)

    @extend_schema(
        operation_id="observations_create",
        summary="Push a batch of signal observations",
        request=DocInputSerializer,
        responses={
            201: OutputSerializer,
            200: OpenApiResponse(OutputSerializer, description="Every item was a duplicate."),
            **errors(),
            400: OpenApiResponse(ErrorSerializer, description="Every bad item by index and field; nothing stored."),
        },
        examples=[
            OpenApiExample(
                "Two logins counts",
                request_only=True,
                value={
                    "items": [
                        {"account": "acme", "signal": "weekly_logins", "value": 14, "observed_at": "2026-11-20T00:00:00Z"},
                        {"account": "acme", "signal": "nps", "value": 30, "observed_at": "2026-11-20T00:00:00Z", "key": "survey-881"},
                    ]
                },
            )
        ],
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        if not serializer.is_valid():
            return _batch_error([{"index": -1, "field": "items", "message": _first(serializer.errors)}])
        raw_items = serializer.validated_data["items"]
        try:
            result = observations_bulk_store(
                items=raw_items, source="api", account_restriction=account_restriction(request)
            )
        except IngestValidationError as exc:
            return _batch_error([e.as_dict() for e in exc.errors])
        data = self.OutputSerializer(
            {
                "received": len(raw_items),
                "created": len(result.created),
                "duplicates": len(result.duplicates),
                "created_indexes": result.created,
                "duplicate_indexes": result.duplicates,
            }
        ).data
        return Response(data, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


def _first(errors_dict) -> str:
    messages = errors_dict.get("items") or next(iter(errors_dict.values()), ["invalid"])
    if isinstance(messages, dict):
        messages = next(iter(messages.values()))
    return str(messages[0]) if isinstance(messages, list) and messages else str(messages)


def _batch_error(items: list[dict]) -> Response:
    return Response(
        {"detail": f"{len(items)} invalid item(s); nothing was stored.", "errors": items},
        status=status.HTTP_400_BAD_REQUEST,
    )
