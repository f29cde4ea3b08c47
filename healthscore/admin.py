"""The admin reads the capability table (accounts.capabilities) too.

The admin's own models follow the groups' model permissions (granted from the roles migration);
django-q's models name Python
functions the workers run (a Schedule's ``func``, a task's resubmission), so they are read-only
below superuser: ``VIEW_SCHEDULES`` reads them, only ``EDIT_SCHEDULES`` adds, changes, deletes
or resubmits — whatever model permissions a group holds (migration accounts 0006 also takes
django-q's add/change/delete permissions away from the CS ops group).
"""

from __future__ import annotations

from django.contrib import admin
from django_q import admin as q_admin
from django_q.models import Failure, OrmQ, Schedule, Success

from accounts.capabilities import Cap, can


class CodeRunningAdminMixin:
    """For models whose rows make the workers run code: read with VIEW_SCHEDULES, edit with EDIT_SCHEDULES."""

    def has_module_permission(self, request) -> bool:
        return can(request.user, Cap.VIEW_SCHEDULES)

    def has_view_permission(self, request, obj=None) -> bool:
        return can(request.user, Cap.VIEW_SCHEDULES)

    def has_add_permission(self, request, *args) -> bool:
        return can(request.user, Cap.EDIT_SCHEDULES) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None) -> bool:
        return can(request.user, Cap.EDIT_SCHEDULES) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return can(request.user, Cap.EDIT_SCHEDULES) and super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not can(request.user, Cap.EDIT_SCHEDULES):
            actions.pop("resubmit_task", None)  # re-runs the task's function on a worker
        return actions


class ScheduleAdmin(CodeRunningAdminMixin, q_admin.ScheduleAdmin):
    pass


class SuccessAdmin(CodeRunningAdminMixin, q_admin.TaskAdmin):
    pass


class FailureAdmin(CodeRunningAdminMixin, q_admin.FailAdmin):
    pass


class QueueAdmin(CodeRunningAdminMixin, q_admin.QueueAdmin):
    pass


for _model, _admin in ((Schedule, ScheduleAdmin), (Success, SuccessAdmin), (Failure, FailureAdmin)):
    admin.site.unregister(_model)
    admin.site.register(_model, _admin)
if admin.site.is_registered(OrmQ):
    admin.site.unregister(OrmQ)
    admin.site.register(OrmQ, QueueAdmin)
