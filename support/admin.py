from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers

from support.models import ApiToken, Ticket


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ["external_id", "source", "subject", "account", "status", "escalated", "csat", "opened_at", "updated_at"]
    list_filter = ["source", "status", "escalated"]
    search_fields = ["external_id", "subject", "requester_email", "account__name"]
    list_select_related = ["account"]
    raw_id_fields = ["account"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "scope_ingest", "scope_read", "account", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["scope_ingest", "scope_read"]
    search_fields = ["name", "prefix"]
    raw_id_fields = ["account"]
    readonly_fields = ["prefix", "created_by", "created_at", "last_used_at"]
    fields = ["name", "scope_ingest", "scope_read", "account", "revoked_at", "prefix", "created_by", "created_at", "last_used_at"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        token, key = ApiToken.generate(
            name=obj.name,
            scope_ingest=obj.scope_ingest,
            scope_read=obj.scope_read,
            account=obj.account,
            created_by=request.user,
        )
        obj.pk = token.pk
        obj.prefix, obj.key_hash = token.prefix, token.key_hash
        obj._state.adding = False
        obj._clear_key = key  # for response_add, in this request only

    def response_add(self, request, obj, post_url_continue=None):
        """Show the new key once, in the page itself: never in the messages cookie or the session."""
        key = getattr(obj, "_clear_key", None)
        if key is None:
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request),
            "title": "API token created",
            "opts": self.opts,
            "token": obj,
            "key": key,
        }
        response = TemplateResponse(request, "support/token_created.html", context)
        add_never_cache_headers(response)
        return response
