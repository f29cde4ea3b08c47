"""Append-only audit trail: who changed what, when, with before/after values."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db import models

from scoring.models import AuditEvent


def _json_value(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    return value


def snapshot(obj: models.Model | None) -> dict | None:
    """The concrete field values of ``obj`` as JSON-safe data (foreign keys as ids)."""
    if obj is None:
        return None
    data = {}
    for field in obj._meta.concrete_fields:
        data[field.attname] = _json_value(getattr(obj, field.attname))
    return data


def audit_record(
    *, actor, action: str, obj: models.Model, before: dict | None, after: dict | None
) -> AuditEvent | None:
    """Record one change; nothing is written when before and after are equal."""
    if action == "update" and before == after:
        return None
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=str(obj.pk),
        object_repr=str(obj)[:255],
        before=before,
        after=after,
    )


class AuditedAdminMixin:
    """Admin mixin: every save and delete, inline rows included, records an AuditEvent."""

    def save_model(self, request, obj, form, change):
        before = None
        if change and obj.pk:
            before = snapshot(type(obj).objects.filter(pk=obj.pk).first())
        super().save_model(request, obj, form, change)
        audit_record(actor=request.user, action="update" if change else "create", obj=obj, before=before, after=snapshot(obj))

    def delete_model(self, request, obj):
        before = snapshot(obj)
        audit_record(actor=request.user, action="delete", obj=obj, before=before, after=None)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            audit_record(actor=request.user, action="delete", obj=obj, before=snapshot(obj), after=None)
        super().delete_queryset(request, queryset)

    def save_formset(self, request, form, formset, change):
        befores = {}
        for inline_form in formset.initial_forms:
            instance = inline_form.instance
            if instance.pk:
                befores[instance.pk] = snapshot(type(instance).objects.filter(pk=instance.pk).first())
        super().save_formset(request, form, formset, change)
        for instance in formset.new_objects:
            audit_record(actor=request.user, action="create", obj=instance, before=None, after=snapshot(instance))
        for instance, _fields in formset.changed_objects:
            audit_record(
                actor=request.user, action="update", obj=instance, before=befores.get(instance.pk), after=snapshot(instance)
            )
        for instance in formset.deleted_objects:
            audit_record(actor=request.user, action="delete", obj=instance, before=befores.get(instance.pk), after=None)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
