"""Ticket webhooks with our token: the generic shape, and each helpdesk's shape through its adapter
(integrations/<vendor>.py). The vendors' own authentication is at /integrations/<id>/webhook."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.response import Response

from integrations.base import adapter_for
from integrations.services import delivery_store, request_from_django
from support.adapters import PayloadError, generic_ticket_parse
from support.api.common import INGEST, BaseApi, account_restriction, errors
from support.models import Ticket
from support.services import TicketAccountError, tickets_upsert

MAX_TICKETS = 1000


class TicketResultSerializer(serializers.Serializer):
    class StoredSerializer(serializers.Serializer):
        source = serializers.CharField()
        external_id = serializers.CharField()
        account = serializers.CharField(allow_null=True, help_text="Matched account's external id, or null.")
        status = serializers.CharField()
        created = serializers.BooleanField()

    tickets = StoredSerializer(many=True)


class _TicketWebhookApi(BaseApi):
    # A helpdesk's webhook with our token: the vendor's adapter parses its payload.
    required_scope = INGEST
    source: str = Ticket.Source.GENERIC

    def post(self, request):
        try:
            delivery = adapter_for(self.source).parse(request.data, request_from_django(request))
            result = delivery_store(
                integration=None, delivery=delivery, payload=request.data, now=timezone.now(),
                account_restriction=account_restriction(request), source=self.source,
            )  # fmt: skip
        except (PayloadError, TicketAccountError) as exc:
            return Response(
                {"detail": f"{exc.field}: {exc.message}", "errors": {exc.field: exc.message}},
                status=status.HTTP_400_BAD_REQUEST,
            )
        stored = [{k: v for k, v in row.items() if k != "stale"} for row in result.tickets]
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(TicketResultSerializer({"tickets": stored}).data, status=code)


class _TicketBatchBase(BaseApi):
    required_scope = INGEST
    source: str = Ticket.Source.GENERIC

    def post(self, request):
        try:
            tickets = self.parse(request.data)
            result = tickets_upsert(
                source=self.source, tickets=tickets, account_restriction=account_restriction(request)
            )
        except (PayloadError, TicketAccountError) as exc:
            return Response(
                {"detail": f"{exc.field}: {exc.message}", "errors": {exc.field: exc.message}},
                status=status.HTTP_400_BAD_REQUEST,
            )
        stored = [
            {
                "source": t.source,
                "external_id": t.external_id,
                "account": t.account.external_id if t.account else None,
                "status": t.status,
                "created": created,
            }
            for t, created in zip(result.tickets, result.created, strict=True)
        ]
        code = status.HTTP_201_CREATED if any(result.created) else status.HTTP_200_OK
        return Response(TicketResultSerializer({"tickets": stored}).data, status=code)


_RESPONSES = {201: TicketResultSerializer, 200: TicketResultSerializer, **errors(400)}


class GenericTicketSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=100, help_text="Your helpdesk's ticket id.")
    requester_email = serializers.EmailField(required=False, help_text="Matched to an account by contact or domain.")
    account = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text="Account external id (overrides email)."
    )
    subject = serializers.CharField(required=False, max_length=500)
    status = serializers.ChoiceField(Ticket.Status.choices, required=False, default=Ticket.Status.OPEN)
    priority = serializers.CharField(required=False, max_length=20)
    escalated = serializers.BooleanField(required=False, default=False)
    csat = serializers.FloatField(required=False, allow_null=True, min_value=0, max_value=100)
    opened_at = serializers.DateTimeField(required=False)
    updated_at = serializers.DateTimeField(required=False)
    solved_at = serializers.DateTimeField(required=False, allow_null=True)
    first_response_at = serializers.DateTimeField(required=False, allow_null=True)
    url = serializers.URLField(required=False)


class TicketBatchApi(_TicketBatchBase):
    class InputSerializer(serializers.Serializer):
        tickets = serializers.ListField(child=GenericTicketSerializer(), min_length=1, max_length=MAX_TICKETS)

    def parse(self, data) -> list:
        if not isinstance(data, dict) or not isinstance(data.get("tickets"), list) or not data["tickets"]:
            raise PayloadError("tickets", "a non-empty list of tickets is required")
        if len(data["tickets"]) > MAX_TICKETS:
            raise PayloadError("tickets", f"at most {MAX_TICKETS} tickets per request")
        return [generic_ticket_parse(item, index=i) for i, item in enumerate(data["tickets"])]

    @extend_schema(
        operation_id="tickets_create",
        summary="Upsert tickets in our generic shape",
        request=InputSerializer,
        responses=_RESPONSES,
    )
    def post(self, request):
        return super().post(request)


class _ZendeskDoc(serializers.Serializer):
    class TicketSerializer(serializers.Serializer):
        class RequesterSerializer(serializers.Serializer):
            email = serializers.EmailField()
            name = serializers.CharField(required=False)

        class RatingSerializer(serializers.Serializer):
            score = serializers.ChoiceField(["offered", "unoffered", "good", "bad"])

        id = serializers.IntegerField()
        subject = serializers.CharField(required=False)
        status = serializers.ChoiceField(["new", "open", "pending", "hold", "solved", "closed"], required=False,
                                         help_text="Default: open.")
        priority = serializers.CharField(required=False, allow_null=True)
        requester = RequesterSerializer(required=False)
        tags = serializers.ListField(child=serializers.CharField(), required=False)
        satisfaction_rating = RatingSerializer(required=False, allow_null=True)
        created_at = serializers.DateTimeField(required=False)
        updated_at = serializers.DateTimeField(required=False)
        url = serializers.URLField(required=False)

    ticket = TicketSerializer()


@extend_schema_view(
    post=extend_schema(
        operation_id="tickets_zendesk",
        summary="Zendesk webhook (a Ticket object under 'ticket')",
        request=_ZendeskDoc,
        responses=_RESPONSES,
    )
)
class ZendeskTicketApi(_TicketWebhookApi):
    source = Ticket.Source.ZENDESK


class _IntercomDoc(serializers.Serializer):
    class DataSerializer(serializers.Serializer):
        class ConversationSerializer(serializers.Serializer):
            id = serializers.CharField()
            state = serializers.ChoiceField(["open", "closed", "snoozed"], required=False,
                                            help_text="Default: from 'open' (true unless false).")
            created_at = serializers.IntegerField(required=False, min_value=0, max_value=4102444800)
            updated_at = serializers.IntegerField(required=False, min_value=0, max_value=4102444800)
            title = serializers.CharField(required=False, allow_null=True)
            priority = serializers.ChoiceField(["priority", "not_priority"], required=False)
            source = serializers.JSONField(required=False, help_text="author.email identifies the requester.")
            conversation_rating = serializers.JSONField(required=False, help_text="rating 1–5.")
            tags = serializers.JSONField(required=False)

        item = ConversationSerializer()

    type = serializers.CharField(required=False)
    topic = serializers.CharField(required=False)
    data = DataSerializer()


@extend_schema_view(
    post=extend_schema(
        operation_id="tickets_intercom",
        summary="Intercom webhook (notification_event with a conversation)",
        request=_IntercomDoc,
        responses=_RESPONSES,
    )
)
class IntercomTicketApi(_TicketWebhookApi):
    source = Ticket.Source.INTERCOM


class _FreshdeskDoc(serializers.Serializer):
    id = serializers.IntegerField()
    subject = serializers.CharField(required=False)
    status = serializers.IntegerField(
        required=False, min_value=2, max_value=5, help_text="2 Open, 3 Pending, 4 Resolved, 5 Closed; default 2."
    )
    priority = serializers.IntegerField(required=False, min_value=1, max_value=4)
    is_escalated = serializers.BooleanField(required=False)
    requester = serializers.JSONField(required=False, help_text="{'email': …}")
    tags = serializers.ListField(child=serializers.CharField(), required=False)
    created_at = serializers.DateTimeField(required=False)
    updated_at = serializers.DateTimeField(required=False)


@extend_schema_view(
    post=extend_schema(
        operation_id="tickets_freshdesk",
        summary="Freshdesk webhook (API v2 Ticket object, or an automation rule's freshdesk_webhook body)",
        request=_FreshdeskDoc,
        responses=_RESPONSES,
    )
)
class FreshdeskTicketApi(_TicketWebhookApi):
    source = Ticket.Source.FRESHDESK

