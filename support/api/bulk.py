"""Bulk API: lists of accounts, contacts, outcomes or observations per request (all-or-nothing, the
observations API's error format), and the snapshot export.

POST /api/v1/bulk/<kind>/ {"items": [...], "historical": false}: every item is checked (400 lists each bad
item by index and field; nothing stored), then all are stored in one transaction. ``historical`` stores
without rescoring, tasks or notifications. Fields are those of ``manage.py import_csv`` (support.imports).

GET /api/v1/snapshots/?from=YYYY-MM-DD&to=YYYY-MM-DD streams account_external_id,date,score,tier as CSV.
"""

from __future__ import annotations

import csv

from django.db import transaction
from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from scoring.history import EXPORT_HEADER, snapshot_rows
from scoring.ingest import MAX_ITEMS, ItemError
from support.api.common import INGEST, READ, BaseApi, account_restriction, errors
from support.api.observations import _batch_error
from support.imports.columns import FIELDS, REQUIRED
from support.imports.store import batch_store, batch_validate

MAX_DAYS = 800


def _raw(kind: str, items: list) -> tuple[list[dict[str, str]], list[ItemError]]:
    """JSON items → the text fields the importer checks (lists joined, numbers as text)."""
    raws, problems = [], []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            problems.append(ItemError(index, "item", "must be an object"))
            raws.append({})
            continue
        raw: dict[str, str] = {}
        for key, value in item.items():
            name = "domain" if key == "domains" else key
            if name not in FIELDS[kind]:
                problems.append(ItemError(index, str(key), f"unknown field (fields: {', '.join(FIELDS[kind])})"))
                continue
            if isinstance(value, list):
                value = ";".join(str(v) for v in value)
            elif isinstance(value, dict):
                problems.append(ItemError(index, name, "must be text, a number or a list"))
                continue
            raw[name] = "" if value is None else str(value)
        for name in REQUIRED[kind]:
            if not raw.get(name, "").strip():
                problems.append(ItemError(index, name, "is required"))
            raw.setdefault(name, "")
        raws.append(raw)
    return raws, problems


class _BulkApi(BaseApi):
    required_scope = INGEST
    kind = ""

    class InputSerializer(serializers.Serializer):
        items = serializers.ListField(child=serializers.JSONField(), allow_empty=False, max_length=MAX_ITEMS)
        historical = serializers.BooleanField(
            default=False, help_text="Past data: store without rescoring, tasks or notifications.")

    class OutputSerializer(serializers.Serializer):
        received = serializers.IntegerField()
        created = serializers.IntegerField()
        updated = serializers.IntegerField()
        duplicates = serializers.IntegerField()
        historical = serializers.BooleanField()

    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        if not serializer.is_valid():
            detail = serializer.errors.get("items") or serializer.errors.get("historical") or ["invalid"]
            message = detail[0] if isinstance(detail, list) else next(iter(detail.values()))[0]
            return _batch_error([{"index": -1, "field": "items", "message": str(message)}])
        items, historical = serializer.validated_data["items"], serializer.validated_data["historical"]
        raws, problems = _raw(self.kind, items)
        if problems:
            return _batch_error([e.as_dict() for e in problems])
        with transaction.atomic():  # all or nothing, whatever the kind
            validated = batch_validate(self.kind, raws, now=timezone.now(), source="api",
                                       account_restriction=account_restriction(request))
            if validated.errors:
                return _batch_error([e.as_dict() for e in validated.errors])
            stored = batch_store(validated, historical=historical)
        data = {"received": len(items), "created": stored.created, "updated": stored.updated,
                "duplicates": stored.duplicates, "historical": historical}
        return Response(self.OutputSerializer(data).data,
                        status=status.HTTP_201_CREATED if stored.created else status.HTTP_200_OK)


def _bulk(kind: str, summary: str) -> type[_BulkApi]:
    view = type(f"Bulk{kind.capitalize()}Api", (_BulkApi,), {"kind": kind, "__doc__": summary})

    def post(self, request):  # a function of its own: drf-spectacular keeps its schema on the function
        return _BulkApi.post(self, request)

    view.post = extend_schema(
        operation_id=f"bulk_{kind}", summary=summary, request=_BulkApi.InputSerializer,
        responses={201: _BulkApi.OutputSerializer, 200: _BulkApi.OutputSerializer,
                   400: OpenApiResponse(description="Every bad item by index and field; nothing stored."),
                   **errors()},
    )(post)
    return view


BulkAccountsApi = _bulk("accounts", "Create or update a list of accounts")
BulkContactsApi = _bulk("contacts", "Create or update a list of contacts")
BulkOutcomesApi = _bulk("outcomes", "Record a list of outcomes")
BulkObservationsApi = _bulk("observations", "Push a list of observations (with the historical switch)")


class _Echo:
    def write(self, value: str) -> str:
        return value


class SnapshotExportApi(BaseApi):
    required_scope = READ

    class InputSerializer(serializers.Serializer):
        date_from = serializers.DateField(help_text="First day (YYYY-MM-DD).")
        date_to = serializers.DateField(help_text="Last day (YYYY-MM-DD).")

        def to_internal_value(self, data):
            return super().to_internal_value({"date_from": data.get("from"), "date_to": data.get("to")})

        def validate(self, attrs):
            days = (attrs["date_to"] - attrs["date_from"]).days
            if days < 0:
                raise serializers.ValidationError({"to": "is before from"})
            if days >= MAX_DAYS:
                raise serializers.ValidationError({"to": f"at most {MAX_DAYS} days per request"})
            return attrs

    @extend_schema(
        operation_id="snapshots_export", summary="Daily snapshots of every account for a date range, as CSV",
        parameters=[OpenApiParameter("from", OpenApiTypes.DATE, OpenApiParameter.QUERY, required=True),
                    OpenApiParameter("to", OpenApiTypes.DATE, OpenApiParameter.QUERY, required=True)],
        responses={(200, "text/csv"): OpenApiTypes.STR, **errors(400)},
    )
    def get(self, request):
        params = self.InputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        only = account_restriction(request)
        rows = snapshot_rows(first_day=params.validated_data["date_from"], last_day=params.validated_data["date_to"],
                             account_ids=None if only is None else [only])
        writer = csv.writer(_Echo())

        def stream():
            yield writer.writerow(EXPORT_HEADER)
            for ext, date, score, tier in rows:
                yield writer.writerow([ext, date.isoformat(), f"{score:.2f}", tier])

        response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="snapshots.csv"'
        return response
