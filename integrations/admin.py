"""Integrations in the admin: each one's webhook URL, its secret (pasted or made here, shown once) and
the sidebar app's key (made here, shown once)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.cache import add_never_cache_headers

from accounts.capabilities import Cap, can
from accounts.models import Account
from integrations.base import adapter_for, adapters
from integrations.models import Integration, IntegrationEvent
from support.badges import BADGE_LIFETIME_MAX, BADGE_LIFETIME_MIN, badge_signed_url

LIFETIMES = [(3600, "1 hour"), (86400, "1 day"), (7 * 86400, "7 days"), (30 * 86400, "30 days"),
             (365 * 86400, "365 days")]  # fmt: skip


class BadgeLinkForm(forms.Form):
    account = forms.CharField(max_length=100, help_text="The account's external id.")
    lifetime = forms.TypedChoiceField(choices=LIFETIMES, coerce=int, initial=86400)
    custom_seconds = forms.IntegerField(
        required=False, min_value=BADGE_LIFETIME_MIN, max_value=BADGE_LIFETIME_MAX,
        help_text="Or any lifetime in seconds (overrides the choice).",
    )  # fmt: skip

    def clean_account(self):
        account = Account.objects.filter(external_id=self.cleaned_data["account"]).first()
        if account is None:
            raise forms.ValidationError("No account with this external id.")
        return account


class IntegrationForm(forms.ModelForm):
    new_secret = forms.CharField(
        label="Signing secret", required=False, strip=True, max_length=200,
        widget=forms.PasswordInput(render_value=False),
        help_text="Zendesk and Intercom make the secret: paste it here. Freshdesk and Help Scout: leave empty "
        "and Healthscore makes one, shown once after saving. Leave empty later to keep the current one.",
    )  # fmt: skip
    regenerate_secret = forms.BooleanField(label="Make a new secret (shown once)", required=False)
    regenerate_sidebar_key = forms.BooleanField(
        label="Make a new sidebar app key (shown once)", required=False,
        help_text="The key the Zendesk or Freshdesk sidebar app sends (stored there as a secure setting).",
    )  # fmt: skip

    class Meta:
        model = Integration
        fields = ["vendor", "name", "basic_username", "active"]

    def clean(self):
        data = super().clean()
        vendor = data.get("vendor")
        if vendor and not adapter_for(vendor).we_generate_secret and not data.get("new_secret"):
            if not (self.instance.pk and self.instance.secret):
                self.add_error("new_secret", f"Paste the secret {adapter_for(vendor).label} shows you.")
        return data


class _IntegrationsCapability:
    """The capability table decides, not Django's per-model permissions: CS ops and superusers."""

    def has_module_permission(self, request):
        return can(request.user, Cap.EDIT_INTEGRATIONS)

    def has_view_permission(self, request, obj=None):
        return can(request.user, Cap.EDIT_INTEGRATIONS)

    def has_add_permission(self, request):
        return can(request.user, Cap.EDIT_INTEGRATIONS)

    def has_change_permission(self, request, obj=None):
        return can(request.user, Cap.EDIT_INTEGRATIONS)

    def has_delete_permission(self, request, obj=None):
        return can(request.user, Cap.EDIT_INTEGRATIONS)


@admin.register(Integration)
class IntegrationAdmin(_IntegrationsCapability, admin.ModelAdmin):
    form = IntegrationForm
    list_display = ["name", "vendor", "public_id", "active", "has_secret", "has_sidebar_key", "last_delivery_at"]
    list_filter = ["vendor", "active"]
    search_fields = ["name", "public_id"]
    readonly_fields = ["webhook_url", "secret_status", "sidebar_key_status", "setup", "created_at", "last_delivery_at"]

    def get_fields(self, request, obj=None):
        fields = ["vendor", "name", "active", "new_secret", "regenerate_secret", "regenerate_sidebar_key"]
        if obj is None or obj.vendor == Integration.Vendor.FRESHDESK:
            fields.insert(3, "basic_username")
        if obj is not None:
            fields += ["webhook_url", "secret_status", "sidebar_key_status", "setup", "created_at", "last_delivery_at"]
        return fields

    def get_urls(self):
        mint = self.admin_site.admin_view(self.badge_link_view)
        return [path("badge-link/", mint, name="integrations_badge_link"), *super().get_urls()]

    def badge_link_view(self, request):
        """Mint a signed badge link for one account with a chosen lifetime (shown once, not stored)."""
        if not can(request.user, Cap.EDIT_INTEGRATIONS):
            raise PermissionDenied("Badge links are minted by CS ops.")
        form = BadgeLinkForm(request.POST or None)
        url = None
        if request.method == "POST" and form.is_valid():
            lifetime = form.cleaned_data["custom_seconds"] or form.cleaned_data["lifetime"]
            url = badge_signed_url(external_id=form.cleaned_data["account"].external_id, lifetime=lifetime)
        context = {**self.admin_site.each_context(request), "title": "Mint a badge link", "form": form, "url": url,
                   "opts": self.model._meta}  # fmt: skip
        response = render(request, "integrations/badge_link.html", context)
        add_never_cache_headers(response)
        return response

    @admin.display(boolean=True, description="secret")
    def has_secret(self, obj) -> bool:
        return bool(obj.secret)

    @admin.display(boolean=True, description="sidebar key")
    def has_sidebar_key(self, obj) -> bool:
        return bool(obj.sidebar_key_hash)

    @admin.display(description="Webhook URL")
    def webhook_url(self, obj) -> str:
        return f"{settings.SITE_URL}{reverse('integrations:webhook', args=[obj.public_id])}"

    @admin.display(description="Secret")
    def secret_status(self, obj) -> str:
        return "set (never shown again)" if obj.secret else "not set"

    @admin.display(description="Sidebar app key")
    def sidebar_key_status(self, obj) -> str:
        return "set (never shown again)" if obj.sidebar_key_hash else "not made yet"

    @admin.display(description="Where the secret comes from")
    def setup(self, obj) -> str:
        return adapters()[obj.vendor].secret_help

    def save_model(self, request, obj, form, change):
        adapter = adapter_for(obj.vendor)
        shown = []
        pasted = form.cleaned_data.get("new_secret")
        if pasted:
            obj.secret = pasted
        elif form.cleaned_data.get("regenerate_secret") or (not obj.secret and adapter.we_generate_secret):
            shown.append(f"secret: {obj.secret_generate()}")
        if obj.vendor == Integration.Vendor.FRESHDESK and not obj.basic_username:
            obj.basic_username = f"healthscore-{obj.public_id[:8]}"
        if form.cleaned_data.get("regenerate_sidebar_key") or not obj.sidebar_key_hash:
            shown.append(f"sidebar app key: {obj.sidebar_key_generate()}")
        super().save_model(request, obj, form, change)
        if obj.vendor == Integration.Vendor.FRESHDESK and shown:
            shown.append(f"Basic auth username: {obj.basic_username}")
        obj._shown = shown  # for response_add/response_change, in this request only

    def _shown_once(self, request, obj):
        """The new secrets in the page itself, never cached: not in the messages cookie or the session."""
        context = {**self.admin_site.each_context(request), "title": "Copy these now", "opts": self.opts,
                   "integration": obj, "shown": obj._shown, "webhook_url": self.webhook_url(obj)}  # fmt: skip
        response = TemplateResponse(request, "integrations/secrets_shown.html", context)
        add_never_cache_headers(response)
        return response

    def response_add(self, request, obj, post_url_continue=None):
        if getattr(obj, "_shown", None):
            return self._shown_once(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if getattr(obj, "_shown", None):
            return self._shown_once(request, obj)
        return super().response_change(request, obj)


@admin.register(IntegrationEvent)
class IntegrationEventAdmin(_IntegrationsCapability, admin.ModelAdmin):
    list_display = ["kind", "external_id", "integration", "received_at"]
    list_filter = ["kind", "integration"]
    search_fields = ["external_id"]
    readonly_fields = ["integration", "kind", "external_id", "payload", "received_at"]
