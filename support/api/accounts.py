"""Account upsert, contacts and outcomes."""

from __future__ import annotations

from django.db import IntegrityError
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from accounts.models import Account, Contact, Outcome
from accounts.services import AccountInputError, account_upsert, contacts_upsert, outcome_record
from healthscore.bounds import DATE_BOUNDS, external_id_check
from support.api.common import INGEST, BaseApi, api_account_get, errors, restriction_check


class AccountOutputSerializer(serializers.Serializer):
    external_id = serializers.CharField()
    name = serializers.CharField()
    segment = serializers.CharField(source="segment.slug", allow_null=True, default=None)
    owner = serializers.CharField(source="owner.username", allow_null=True, default=None)
    arr = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=False)
    contract_type = serializers.CharField()
    renewal_date = serializers.DateField(allow_null=True)
    lifecycle_stage = serializers.CharField()
    status = serializers.CharField()
    domains = serializers.SerializerMethodField()

    def get_domains(self, account: Account) -> list[str]:
        return sorted(d.domain for d in account.domains.all())


class AccountUpsertApi(BaseApi):
    required_scope = INGEST

    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=200, required=False)
        segment = serializers.SlugField(required=False, allow_blank=True, help_text="Segment slug; empty: none.")
        owner = serializers.CharField(
            required=False, allow_blank=True, max_length=254, help_text="The CSM's username or email."
        )
        arr = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)
        contract_type = serializers.ChoiceField(Account.ContractType.choices, required=False)
        renewal_date = serializers.DateField(required=False, allow_null=True, validators=DATE_BOUNDS)
        lifecycle_stage = serializers.ChoiceField(Account.Lifecycle.choices, required=False)
        status = serializers.ChoiceField(Account.Status.choices, required=False)
        domains = serializers.ListField(
            child=serializers.RegexField(r"^[A-Za-z0-9.-]+\.[A-Za-z]{2,}$", max_length=253),
            required=False,
            max_length=100,
            help_text="Email domains of the account (replaces the list).",
        )

    @extend_schema(
        operation_id="accounts_upsert",
        summary="Create or update an account by external id",
        request=InputSerializer,
        responses={200: AccountOutputSerializer, 201: AccountOutputSerializer, **errors(400)},
    )
    def put(self, request, external_id: str):
        external_id = external_id_check(external_id)
        restriction_check(request, external_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            account, created = account_upsert(external_id=external_id, data=serializer.validated_data)
        except AccountInputError as exc:
            raise exceptions.ValidationError({k: [v] for k, v in exc.errors.items()}) from None
        return Response(
            AccountOutputSerializer(account).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class ContactSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    email = serializers.EmailField(required=False, allow_blank=True)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    role = serializers.ChoiceField(Contact.Role.choices, required=False)
    in_role_since = serializers.DateField(required=False, allow_null=True, validators=DATE_BOUNDS)
    left_at = serializers.DateField(required=False, allow_null=True, validators=DATE_BOUNDS)
    last_touch_at = serializers.DateField(required=False, allow_null=True, validators=DATE_BOUNDS)


class ContactsUpsertApi(BaseApi):
    """PUT replaces the account's contacts with the list; POST adds or updates the listed ones."""

    required_scope = INGEST

    class InputSerializer(serializers.Serializer):
        contacts = ContactSerializer(many=True, max_length=500)

        def validate_contacts(self, contacts):
            emails = [c["email"].lower() for c in contacts if c.get("email")]
            if len(emails) != len(set(emails)):
                raise serializers.ValidationError("Each email may appear once.")
            return contacts

    class OutputSerializer(serializers.Serializer):
        created = serializers.IntegerField()
        updated = serializers.IntegerField()
        contacts = ContactSerializer(many=True)

    def _upsert(self, request, external_id: str, *, replace: bool):
        account = api_account_get(request, external_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            result = contacts_upsert(account=account, contacts=serializer.validated_data["contacts"], replace=replace)
        except AccountInputError as exc:
            raise exceptions.ValidationError({k: [v] for k, v in exc.errors.items()}) from None
        return Response(self.OutputSerializer(result).data)

    @extend_schema(
        operation_id="contacts_replace",
        summary="Replace the account's contacts",
        request=InputSerializer,
        responses={200: OutputSerializer, **errors(400, 404)},
    )
    def put(self, request, external_id: str):
        return self._upsert(request, external_id, replace=True)

    @extend_schema(
        operation_id="contacts_upsert",
        summary="Add or update contacts (matched by email, else name)",
        request=InputSerializer,
        responses={200: OutputSerializer, **errors(400, 404)},
    )
    def post(self, request, external_id: str):
        return self._upsert(request, external_id, replace=False)


class OutcomeCreateApi(BaseApi):
    required_scope = INGEST

    class InputSerializer(serializers.Serializer):
        account = serializers.CharField(max_length=100, help_text="The account's external id.")
        kind = serializers.ChoiceField(Outcome.Kind.choices)
        date = serializers.DateField(validators=DATE_BOUNDS)
        arr_change = serializers.DecimalField(
            max_digits=14, decimal_places=2, required=False, default=0, min_value=-10**12, max_value=10**12
        )
        note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)

    class OutputSerializer(serializers.Serializer):
        account = serializers.CharField(source="account.external_id")
        kind = serializers.CharField()
        date = serializers.DateField()
        arr_change = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=False)
        note = serializers.CharField()
        created = serializers.BooleanField()

    @extend_schema(
        operation_id="outcomes_create",
        summary="Record a renewal, churn, expansion or contraction",
        request=InputSerializer,
        responses={201: OutputSerializer, 200: OutputSerializer, **errors(400, 404)},
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        account = api_account_get(request, data.pop("account"))
        try:
            outcome, created = outcome_record(account=account, **data)
        except IntegrityError:
            raise exceptions.ValidationError({"date": ["Conflicting outcome for this account and date."]}) from None
        outcome.created = created
        return Response(
            self.OutputSerializer(outcome).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )
