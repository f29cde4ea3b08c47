from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from accounts.roles import Role


@pytest.mark.django_db
def test_it_has_no_missing_migrations():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exc:  # makemigrations --check exits 1 when changes are pending
        pytest.fail(f"Models and migrations are out of sync:\n{out.getvalue()} (exit {exc.code})")


@pytest.mark.django_db
def test_it_creates_the_four_role_groups():
    names = set(Group.objects.values_list("name", flat=True))
    assert {role.value for role in Role} <= names
    ops = Group.objects.get(name=Role.OPS.value)
    assert ops.permissions.filter(codename="change_signaldefinition").exists()
    support = Group.objects.get(name=Role.SUPPORT.value)
    assert not support.permissions.filter(codename="change_task").exists()
