from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html_join

from playbooks import rules
from playbooks.models import Notification, Playbook, PlaybookStep, RuleCondition, Task
from scoring.audit import AuditedAdminMixin

# The admin reads like the product (templates/admin/base_site.html carries the same name).
admin.site.site_header = "Healthscore administration"
admin.site.site_title = "Healthscore administration"
admin.site.index_title = "Scoring, playbooks and people"


class PlaybookStepFormSet(forms.BaseInlineFormSet):
    """Refuses a red playbook whose first step is due later than 24 hours."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        steps = [
            PlaybookStep(order=f.cleaned_data.get("order") or 0, due_offset_hours=f.cleaned_data.get("due_offset_hours") or 0)
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        problem = rules.first_step_due_problem(
            trigger_kind=self.instance.trigger_kind, tier=self.instance.tier, steps=steps
        )
        if problem:
            raise forms.ValidationError(problem)


class PlaybookStepInline(admin.TabularInline):
    model = PlaybookStep
    formset = PlaybookStepFormSet
    extra = 0
    fields = ["order", "title", "instructions", "due_offset_hours", "assignee_role"]


class RuleConditionInline(admin.TabularInline):
    model = RuleCondition
    extra = 0
    fields = ["subject", "signal", "field", "operator", "value"]


@admin.register(Playbook)
class PlaybookAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "trigger_kind", "tier", "severity", "segment", "reenrol_days", "active", "problems"]
    list_filter = ["trigger_kind", "tier", "severity", "segment", "active"]
    search_fields = ["name", "description"]
    readonly_fields = ["problems"]
    inlines = [PlaybookStepInline, RuleConditionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("steps", "conditions__signal")

    @admin.display(description="Warnings")
    def problems(self, obj: Playbook) -> str:
        found = rules.rule_problems(obj) if obj.pk else []
        if not found:
            return "—"
        return format_html_join("", "<div>⚠ {}</div>", ((p,) for p in found))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            playbook = self.get_queryset(request).filter(pk=object_id).first()
            for problem in rules.rule_problems(playbook) if playbook else []:
                self.message_user(request, problem, level=messages.WARNING)
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["title", "account", "assignee", "status", "severity", "priority", "due_at", "created_at"]
    list_filter = ["status", "severity", "playbook"]
    search_fields = ["title", "account__name", "account__external_id"]
    list_select_related = ["account", "assignee"]
    raw_id_fields = ["account", "opened_by_change"]
    autocomplete_fields = ["assignee"]
    date_hierarchy = "due_at"


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "channel", "recipient", "subject", "sent_at", "error"]
    list_filter = ["kind", "channel"]
    search_fields = ["subject", "body"]
    raw_id_fields = ["account", "task"]
