"""Create the four role groups with the model permissions each needs in the admin."""

from django.db import migrations

ROLES = {
    "CSM": [("accounts", "view_account"), ("accounts", "view_contact"), ("playbooks", "view_task"), ("playbooks", "change_task")],
    "CS manager": [
        ("accounts", "view_account"), ("accounts", "change_account"), ("accounts", "view_contact"), ("accounts", "view_outcome"),
        ("playbooks", "view_task"), ("playbooks", "change_task"), ("playbooks", "view_playbook"),
        ("scoring", "view_scoremodelversion"), ("scoring", "view_signaldefinition"),
    ],
    "Support agent": [("accounts", "view_account"), ("support", "view_ticket")],
    "CS ops": "__all__",
}
OPS_APPS = ["accounts", "scoring", "playbooks", "support", "django_q"]


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        if perms == "__all__":
            qs = Permission.objects.filter(content_type__app_label__in=OPS_APPS)
        else:
            qs = Permission.objects.none()
            for app_label, codename in perms:
                qs = qs | Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        group.permissions.add(*qs)


def drop_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(ROLES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_initial"),
        ("scoring", "0001_initial"),
        ("playbooks", "0001_initial"),
        ("support", "0001_initial"),
        ("django_q", "__latest__"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_roles, drop_roles)]
