"""CS ops keeps reading django-q's schedules and tasks but no longer adds, changes or deletes them.

A Schedule names a Python function the workers run (#12: `os.system` as a schedule ran as root),
so editing one is for superusers only (accounts.capabilities: EDIT_SCHEDULES).
"""

from django.db import migrations

GROUP = "CS ops"


def remove_code_perms(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=GROUP).first()
    if group is None:
        return
    perms = Permission.objects.filter(content_type__app_label="django_q").exclude(codename__startswith="view_")
    group.permissions.remove(*perms)


def restore_code_perms(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=GROUP).first()
    if group is not None:
        group.permissions.add(*Permission.objects.filter(content_type__app_label="django_q"))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_lifecycle_churned_on_contract_start")]
    operations = [migrations.RunPython(remove_code_perms, restore_code_perms)]
