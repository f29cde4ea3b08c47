from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone

from scoring.audit import AuditedAdminMixin, ReadOnlyAdmin
from scoring.models import (
    AccountScore,
    AuditEvent,
    CategoryWeight,
    DailyChunk,
    DailyRun,
    Observation,
    Override,
    ScoreChange,
    ScoreModel,
    ScoreModelVersion,
    ScoreOutbox,
    ScoreSnapshot,
    ScoringError,
    Segment,
    SignalDefinition,
    SignalWeight,
)


class WeightFormSet(forms.BaseInlineFormSet):
    """Weights must be ≥ 0, and at least one must be positive."""

    label = "weights"

    def add_fields(self, form, index):
        """Each row's controls get a name (the table's column headers are no labels to a screen reader)."""
        super().add_fields(form, index)
        row = "new row" if index is None else f"row {index + 1}"
        for name, field in form.fields.items():
            if not field.widget.is_hidden:
                label = "Delete" if name == "DELETE" else (field.label or name)
                field.widget.attrs.setdefault("aria-label", f"{label}, {row}")

    def clean(self):
        super().clean()
        total = 0.0
        rows = 0
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            weight = form.cleaned_data.get("weight")
            if weight is None:
                continue
            if weight < 0:
                form.add_error("weight", "A weight cannot be negative.")
            total += max(weight, 0)
            rows += 1
        if rows and total <= 0:
            raise ValidationError(f"The {self.label} cannot all be zero: give at least one a positive weight.")


class CategoryWeightFormSet(WeightFormSet):
    label = "category weights"


class SignalWeightFormSet(WeightFormSet):
    label = "signal weights"


class _VersionInline(admin.TabularInline):
    extra = 0

    def _editable(self, obj):
        return obj is None or obj.is_editable

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)


class _ShareInline(_VersionInline):
    """Shows each weight as the share the app shows (20 %), beside the raw number (100)."""

    readonly_fields = ["share"]

    @admin.display(description="Share")
    def share(self, obj) -> str:
        if obj is None or obj.pk is None:
            return "–"
        siblings = type(obj).objects.filter(version_id=obj.version_id).values_list("weight", flat=True)
        total = sum(max(float(w), 0.0) for w in siblings)
        return f"{max(float(obj.weight), 0.0) / total:.0%}" if total else "–"


class CategoryWeightInline(_ShareInline):
    model = CategoryWeight
    formset = CategoryWeightFormSet


class SignalWeightInline(_ShareInline):
    model = SignalWeight
    formset = SignalWeightFormSet
    autocomplete_fields = ["signal"]


@admin.register(Segment)
class SegmentAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "is_default"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(SignalDefinition)
class SignalDefinitionAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["key", "label", "category", "direction", "bad_value", "good_value", "aggregation", "window_days", "half_life_days", "missing_policy", "active"]
    list_filter = ["category", "aggregation", "missing_policy", "direction", "active"]
    search_fields = ["key", "label", "description"]
    fieldsets = [
        (None, {"fields": ["key", "label", "category", "description", "unit", "active"]}),
        ("Scoring", {"fields": ["direction", "bad_value", "good_value"]}),
        ("Plausible values", {"fields": ["min_value", "max_value"],
                              "description": "Observations outside this range are refused on the way in "
                                             "(API 400, CSV line error). Empty: any value within ±1e12."}),
        ("Aggregation", {"fields": ["aggregation", "window_days", "half_life_days"]}),
        ("Missing or stale data", {"fields": ["stale_after_days", "missing_policy"]}),
    ]

    def save_model(self, request, obj, form, change):
        # Audited and, when a scoring field changed, every account it scores is recomputed
        # (change log: "signal definition changed"): scoring.versions.signal_definition_save.
        from scoring.versions import signal_definition_save

        queued = signal_definition_save(signal=obj, actor=request.user)
        if queued:
            self.message_user(request, f"Recomputing the {len(queued)} account{'s' if len(queued) != 1 else ''} "
                                       f"this signal scores.", messages.INFO)


@admin.register(ScoreModel)
class ScoreModelAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "segment"]
    search_fields = ["name", "segment__name"]


@admin.register(ScoreModelVersion)
class ScoreModelVersionAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "model", "number", "status", "green_threshold", "yellow_threshold", "hold_days", "published_at"]
    list_filter = ["status", "model"]
    search_fields = ["model__name", "notes"]
    inlines = [CategoryWeightInline, SignalWeightInline]
    actions = ["clone_as_draft", "publish", "draft_from_suggestion"]
    readonly_fields = ["status", "created_by", "created_at", "published_by", "published_at"]
    fields = [
        "model", "number", "status", "green_threshold", "yellow_threshold", "hold_days",
        "rapid_decline_points", "rapid_decline_days", "notes",
        "created_by", "created_at", "published_by", "published_at",
    ]

    def get_readonly_fields(self, request, obj=None):
        # Published and retired versions are immutable: every stored score names them.
        if obj is not None and not obj.is_editable:
            return [f.name for f in self.model._meta.fields]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return (obj is None or obj.is_editable) and super().has_delete_permission(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # A published or retired version reads as a record: no Save buttons, a Clone button instead.
        obj = self.get_object(request, object_id)
        extra_context = dict(extra_context or {})
        if obj is not None and not obj.is_editable:
            extra_context.update(show_save=False, show_save_and_continue=False, show_save_and_add_another=False,
                                 show_delete=False, read_only_version=obj)
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        from django.urls import path

        return [path("<int:pk>/clone/", self.admin_site.admin_view(self.clone_view), name="scoring_version_clone"),
                *super().get_urls()]

    def clone_view(self, request, pk: int):
        from django.core.exceptions import PermissionDenied
        from django.shortcuts import get_object_or_404, redirect

        from scoring.versions import version_clone_as_draft

        if request.method != "POST" or not self.has_add_permission(request):
            raise PermissionDenied
        version = get_object_or_404(ScoreModelVersion, pk=pk)
        draft = version_clone_as_draft(version=version, actor=request.user)
        self.message_user(request, f"Created {draft} from v{version.number}: edit it, preview it, then publish.",
                          messages.SUCCESS)
        return redirect("admin:scoring_scoremodelversion_change", draft.pk)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description="Clone as new draft", permissions=["add"])
    def clone_as_draft(self, request, queryset):
        from scoring.versions import version_clone_as_draft

        for version in queryset.select_related("model"):
            draft = version_clone_as_draft(version=version, actor=request.user)
            self.message_user(request, f"Created {draft} from v{version.number}.", messages.SUCCESS)

    @admin.action(description="Publish (retires the current version, recomputes its accounts)", permissions=["change"])
    def publish(self, request, queryset):
        from scoring.versions import version_publish

        if queryset.count() != 1:
            self.message_user(request, "Publish one version at a time.", messages.ERROR)
            return
        version = queryset.get()
        # A version that cannot be published is refused at once: no confirmation page to say so.
        if "confirm" not in request.POST and version.is_editable:
            return self._publish_confirmation(request, version)
        try:
            version_publish(version=version, actor=request.user, now=timezone.now())
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return
        self.message_user(request, f"Published {version.model} v{version.number}; its accounts are being recomputed.",
                          messages.SUCCESS)

    def _publish_confirmation(self, request, version):
        """The preview's summary (tiers and moves, published vs this version) before anything changes."""
        from django.template.response import TemplateResponse

        from scoring.validation_preview import preview_build

        summary = None
        if version.is_editable:
            summary = preview_build(draft=version, now=timezone.now(), with_backtest=False)
        return TemplateResponse(request, "admin/scoring/publish_confirm.html", {
            **self.admin_site.each_context(request), "title": f"Publish {version}?", "version": version,
            "preview": summary, "opts": self.model._meta,
        })

    @admin.action(description="Create a draft with the suggested weights (backtest)", permissions=["add"])
    def draft_from_suggestion(self, request, queryset):
        from django.template.response import TemplateResponse

        from scoring.forms import PeriodForm
        from scoring.validation import draft_create_from_suggestion

        published = list(queryset.filter(status=ScoreModelVersion.Status.PUBLISHED).select_related("model"))
        if not published:
            self.message_user(request, "Select a published version: suggestions come from its backtest.",
                              messages.ERROR)
            return None
        # First the period (the suggestion honours it and its as-of date), then the drafts.
        form = PeriodForm(request.POST if "apply" in request.POST else None)
        if "apply" not in request.POST or not form.is_valid():
            return TemplateResponse(request, "admin/scoring/suggest_period.html", {
                **self.admin_site.each_context(request), "form": form, "versions": published,
                "title": "Draft from the backtest's suggestion",
            })
        for version in published:
            try:
                draft = draft_create_from_suggestion(
                    version=version, actor=request.user, now=timezone.now(),
                    start=form.cleaned_data.get("start"), end=form.cleaned_data.get("end"),
                )
            except ValidationError as exc:
                self.message_user(request, f"{version}: {' '.join(exc.messages)}", messages.ERROR)
                continue
            self.message_user(request, f"Created {draft} with the weights suggested by the backtest of v{version.number}.",
                              messages.SUCCESS)
        return None


@admin.register(Observation)
class ObservationAdmin(admin.ModelAdmin):
    """Observations added, edited or deleted here go through scoring.ingest like the API's: the same
    range check (the model's clean), counted per source, and the account's score recomputed."""

    list_display = ["account", "signal", "value", "observed_at", "source", "created_at"]
    list_filter = ["signal", "source"]
    search_fields = ["account__name", "account__external_id", "idempotency_key"]
    list_select_related = ["account", "signal"]
    raw_id_fields = ["account"]
    date_hierarchy = "observed_at"
    show_full_result_count = False

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        key = form.base_fields.get("idempotency_key")
        if key is not None:
            key.required = False
            key.help_text = "Empty: account|signal|observed_at|source, the key the API would give it."
        return form

    def save_model(self, request, obj, form, change):
        from scoring.ingest import observation_save

        observation_save(observation=obj)

    def delete_model(self, request, obj):
        self.delete_queryset(request, Observation.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        from scoring.ingest import observations_delete

        observations_delete(queryset=queryset)


@admin.register(AccountScore)
class AccountScoreAdmin(ReadOnlyAdmin):
    list_display = ["account", "score", "tier", "raw_tier", "trend", "delta_30", "model_version", "computed_at"]
    list_filter = ["tier", "trend", "model_version"]
    search_fields = ["account__name", "account__external_id"]
    list_select_related = ["account", "model_version__model"]


@admin.register(ScoreSnapshot)
class ScoreSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["account", "date", "score", "tier", "model_version"]
    list_filter = ["tier"]
    search_fields = ["account__name", "account__external_id"]
    date_hierarchy = "date"
    list_select_related = ["account", "model_version__model"]
    show_full_result_count = False


@admin.register(ScoreChange)
class ScoreChangeAdmin(ReadOnlyAdmin):
    list_display = ["account", "date", "from_score", "to_score", "from_tier", "to_tier", "cause", "summary"]
    list_filter = ["cause", "tier_changed", "to_tier"]
    search_fields = ["account__name", "account__external_id", "summary"]
    date_hierarchy = "date"
    list_select_related = ["account"]


@admin.register(ScoringError)
class ScoringErrorAdmin(ReadOnlyAdmin):
    """Accounts a recompute skipped because the engine failed on their data (the others were scored)."""

    list_display = ["date", "account", "error", "model_version", "occurred_at"]
    list_filter = ["date"]
    search_fields = ["account__name", "account__external_id", "error"]
    date_hierarchy = "date"
    list_select_related = ["account", "model_version__model"]


@admin.register(ScoreOutbox)
class ScoreOutboxAdmin(ReadOnlyAdmin):
    """What score writes recorded for the playbook triggers; unacted rows are drained every minute."""

    list_display = ["id", "created_at", "acted_at", "attempts", "error"]
    list_filter = [("acted_at", admin.EmptyFieldListFilter)]


class DailyChunkInline(admin.TabularInline):
    model = DailyChunk
    extra = 0
    can_delete = False
    fields = ["number", "first_pk", "end_pk", "status", "attempts", "enqueues", "started_at", "finished_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(DailyRun)
class DailyRunAdmin(ReadOnlyAdmin):
    """The daily recompute's ledger: its chunks, their attempts, and accounts left unscored."""

    list_display = ["date", "created_at", "accounts", "chunk_size", "finished_at", "missing"]
    inlines = [DailyChunkInline]


class OverrideAdminForm(forms.ModelForm):
    """The account page's rules for overrides (scoring.overrides.override_errors), shown by field."""

    class Meta:
        model = Override
        fields = ["account", "reason", "note", "effect", "value", "expires_at", "revoked_at"]

    def clean(self):
        from scoring.overrides import override_errors, override_expires_on

        data = super().clean()
        if self.instance.pk and data.get("revoked_at"):
            return data  # revoking: the rest may stay as it was
        errors = override_errors(
            reason=data.get("reason"), effect=data.get("effect"), value=data.get("value"),
            expires_on=override_expires_on(data.get("expires_at")), note=data.get("note") or "", now=timezone.now(),
        )
        if self.instance.pk and "expires_at" not in self.changed_data:
            errors.pop("expires", None)
        for name, message in errors.items():
            name = "expires_at" if name == "expires" else name
            if name in self.fields and name not in self.errors:
                self.add_error(name, message)
        return data


@admin.register(Override)
class OverrideAdmin(admin.ModelAdmin):
    """Overrides written here go through scoring.overrides (its rules, audit and the account's recompute)."""

    form = OverrideAdminForm
    list_display = ["account", "reason", "effect", "value", "expires_at", "created_by", "revoked_at"]
    list_filter = ["reason", "effect"]
    search_fields = ["account__name", "note"]
    raw_id_fields = ["account"]
    readonly_fields = ["created_by", "created_at"]

    def save_model(self, request, obj, form, change):
        from scoring.overrides import override_create, override_expires_on, override_update

        now = timezone.now()
        if change:
            override_update(override=obj, actor=request.user, now=now)
            return
        created = override_create(
            account=obj.account, actor=request.user, reason=obj.reason, effect=obj.effect, value=obj.value,
            expires_on=override_expires_on(obj.expires_at), note=obj.note or "", now=now,
        )
        for name in ("pk", "expires_at", "note", "created_by_id", "created_at"):
            setattr(obj, name, getattr(created, name))

    def delete_model(self, request, obj):
        self.delete_queryset(request, Override.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        from scoring.audit import audit_record, snapshot
        from scoring.tasks import recompute_enqueue

        accounts = set()
        for override in queryset:
            audit_record(actor=request.user, action="delete", obj=override, before=snapshot(override), after=None)
            accounts.add(override.account_id)
        queryset.delete()
        recompute_enqueue(accounts)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor", "action", "content_type", "object_repr"]
    list_filter = ["action", "content_type"]
    search_fields = ["object_repr"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_at", "actor", "action", "content_type", "object_id", "object_repr", "changes",
                       "before", "after"]

    @admin.display(description="What changed")
    def changes(self, obj) -> str:
        """Before and after as a diff: only the fields that differ, old value struck through, new beside it."""
        from django.utils.html import format_html, format_html_join

        before, after = obj.before or {}, obj.after or {}
        keys = [k for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)]
        if not keys:
            return "No field changed."
        rows = format_html_join(
            "", "<tr><th scope=\"row\">{}</th><td class=\"before\">{}</td><td class=\"after\">{}</td></tr>",
            ((k, _show(before.get(k)), _show(after.get(k))) for k in keys),
        )
        return format_html('<table class="hs-diff"><thead><tr><th scope="col">Field</th><th scope="col">Before</th>'
                           '<th scope="col">After</th></tr></thead><tbody>{}</tbody></table>', rows)

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff


def _show(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, (dict, list)):
        import json

        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)
