from django import forms
from django.contrib import admin

from accounts.lifecycle import account_lifecycle_sync
from accounts.models import Account, AccountDomain, Contact, Outcome, Team
from accounts.services import (
    contact_emails_of_other_accounts,
    contact_tickets_rematch,
    domains_refused,
)


class AccountDomainForm(forms.ModelForm):
    """The same guards as the API and the imports (#12): no public mail domain, no other account's."""

    class Meta:
        model = AccountDomain
        fields = ["domain"]

    def clean_domain(self):
        domain = (self.cleaned_data.get("domain") or "").strip().lower()
        owner = self.instance.account if self.instance.account_id else None
        reason = domains_refused(domains=[domain], account_external_id=owner.external_id if owner else None)
        if reason:
            raise forms.ValidationError(reason)
        return domain


class ContactForm(forms.ModelForm):
    """A contact's email may not sit on another account's domain nor be another account's contact: it
    would pull that account's tickets and badges here (#12), as the API and the imports refuse."""

    def clean(self):
        cleaned = super().clean()
        account = cleaned.get("account") or (self.instance.account if self.instance.account_id else None)
        email = (cleaned.get("email") or "").strip()
        if account is not None and email and contact_emails_of_other_accounts(account=account, contacts=[{"email": email}]):
            self.add_error("email", f"{email} belongs to another account (its domain or one of its contacts)")
        return cleaned


class AccountDomainInline(admin.TabularInline):
    model = AccountDomain
    form = AccountDomainForm
    extra = 0


class ContactInline(admin.TabularInline):
    model = Contact
    form = ContactForm
    extra = 0
    fields = ["name", "email", "title", "role", "in_role_since", "left_at", "last_touch_at"]


class OutcomeInline(admin.TabularInline):
    model = Outcome
    extra = 0
    fields = ["kind", "date", "arr_change", "note"]


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name", "external_id", "segment", "owner", "arr", "contract_type", "renewal_date", "lifecycle_stage", "status", "tier"]
    list_filter = ["status", "segment", "contract_type", "lifecycle_stage", "score__tier", "team"]
    search_fields = ["name", "external_id", "domains__domain"]
    list_select_related = ["segment", "owner", "score"]
    autocomplete_fields = ["owner", "manager"]
    inlines = [AccountDomainInline, ContactInline, OutcomeInline]
    date_hierarchy = "renewal_date"
    readonly_fields = ["churned_on"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        account_lifecycle_sync(account_ids=[form.instance.pk])  # an outcome added inline ends or reactivates it
        account = form.instance
        contact_tickets_rematch(
            emails=set(account.contacts.exclude(email="").values_list("email", flat=True)),
            domains=set(account.domains.values_list("domain", flat=True)),
        )

    @admin.display(description="Tier", ordering="score__tier")
    def tier(self, obj):
        score = getattr(obj, "score", None)
        return f"{score.tier} ({score.score:.0f})" if score else "—"


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "manager"]
    search_fields = ["name"]
    filter_horizontal = ["members"]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "account", "role", "email", "in_role_since", "left_at"]
    list_filter = ["role"]
    search_fields = ["name", "email", "account__name"]
    list_select_related = ["account"]
    raw_id_fields = ["account"]
    form = ContactForm

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        account_lifecycle_sync(account_ids=[obj.account_id])
        if obj.email:
            contact_tickets_rematch(emails={obj.email})

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        account_lifecycle_sync(account_ids=[obj.account_id])


@admin.register(Outcome)
class OutcomeAdmin(admin.ModelAdmin):
    list_display = ["account", "kind", "date", "arr_change"]
    list_filter = ["kind"]
    search_fields = ["account__name", "account__external_id"]
    date_hierarchy = "date"
    list_select_related = ["account"]
    raw_id_fields = ["account"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        account_lifecycle_sync(account_ids=[obj.account_id])

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        account_lifecycle_sync(account_ids=[obj.account_id])
