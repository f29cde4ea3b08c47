"""REST API routes, included at /api/ by healthscore/urls.py."""

from __future__ import annotations

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import IsAuthenticated

from accounts.capabilities import Cap
from support.api.accounts import AccountUpsertApi, ContactsUpsertApi, OutcomeCreateApi
from support.api.badge_links import BadgeLinkCreateApi
from support.api.bulk import (
    BulkAccountsApi,
    BulkContactsApi,
    BulkObservationsApi,
    BulkOutcomesApi,
    SnapshotExportApi,
)
from support.api.common import ScopeRequired
from support.api.health import AccountHealthApi, AccountHistoryApi
from support.api.observations import ObservationBatchCreateApi
from support.api.tickets import (
    FreshdeskTicketApi,
    IntercomTicketApi,
    TicketBatchApi,
    ZendeskTicketApi,
)

app_name = "api"


class SchemaApi(SpectacularAPIView):
    """The OpenAPI schema, for signed-in people and API tokens only (#12: it was public)."""

    capability = Cap.API_DOCS
    permission_classes = [IsAuthenticated, ScopeRequired]


class DocsApi(SpectacularSwaggerSplitView):
    capability = Cap.API_DOCS
    permission_classes = [IsAuthenticated, ScopeRequired]


urlpatterns = [
    path("schema/", SchemaApi.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file (no inline script for the CSP);
    # Swagger UI's components set style attributes.
    path(
        "docs/",
        csp_update({"style-src": [UNSAFE_INLINE]})(DocsApi.as_view(url_name="api:schema")),
        name="docs",
    ),
    path("v1/observations/", ObservationBatchCreateApi.as_view(), name="observations"),
    path("v1/accounts/<str:external_id>", AccountUpsertApi.as_view(), name="account"),
    path("v1/accounts/<str:external_id>/contacts/", ContactsUpsertApi.as_view(), name="contacts"),
    path("v1/accounts/<str:external_id>/health", AccountHealthApi.as_view(), name="health"),
    path("v1/accounts/<str:external_id>/history", AccountHistoryApi.as_view(), name="history"),
    path("v1/badge-links/", BadgeLinkCreateApi.as_view(), name="badge-links"),
    path("v1/outcomes/", OutcomeCreateApi.as_view(), name="outcomes"),
    path("v1/tickets/", TicketBatchApi.as_view(), name="tickets"),
    path("v1/bulk/accounts/", BulkAccountsApi.as_view(), name="bulk-accounts"),
    path("v1/bulk/contacts/", BulkContactsApi.as_view(), name="bulk-contacts"),
    path("v1/bulk/outcomes/", BulkOutcomesApi.as_view(), name="bulk-outcomes"),
    path("v1/bulk/observations/", BulkObservationsApi.as_view(), name="bulk-observations"),
    path("v1/snapshots/", SnapshotExportApi.as_view(), name="snapshots"),
    path("v1/tickets/zendesk/", ZendeskTicketApi.as_view(), name="tickets-zendesk"),
    path("v1/tickets/intercom/", IntercomTicketApi.as_view(), name="tickets-intercom"),
    path("v1/tickets/freshdesk/", FreshdeskTicketApi.as_view(), name="tickets-freshdesk"),
]
