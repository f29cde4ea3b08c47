from django.contrib import admin

from playbooks.models import Notification, Playbook, PlaybookStep, RuleCondition, Task
from scoring.audit import AuditedAdminMixin


class PlaybookStepInline(admin.TabularInline):
    model = PlaybookStep
    extra = 0
    fields = ["order", "title", "instructions", "due_offset_hours", "assignee_role"]


class RuleConditionInline(admin.TabularInline):
    model = RuleCondition
    extra = 0
    fields = ["subject", "signal", "field", "operator", "value"]


@admin.register(Playbook)
class PlaybookAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "trigger_kind", "tier", "severity", "segment", "reenrol_days", "active"]
    list_filter = ["trigger_kind", "tier", "severity", "segment", "active"]
    search_fields = ["name", "description"]
    inlines = [PlaybookStepInline, RuleConditionInline]


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
