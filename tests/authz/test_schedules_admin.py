"""#12 item 1: CS ops (not a superuser) cannot make the workers run code through django-q's admin."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission, User
from django_q.models import Schedule

from accounts.capabilities import Cap, can
from accounts.roles import Role

ADD = "/admin/django_q/schedule/add/"
EVIL = {"name": "pwn", "func": "os.system", "args": "'id > /tmp/pwned'", "schedule_type": "O",
        "repeats": "-1", "next_run_0": "2026-12-01", "next_run_1": "06:00:00", "cluster": ""}


@pytest.fixture
def ops_staff(db) -> User:
    """CS ops as the roles migration makes them: staff, in the group, not a superuser."""
    user = User.objects.create_user("opsstaff", "opsstaff@example.com", "pw", is_staff=True)
    user.groups.add(Group.objects.get(name=Role.OPS.value))
    return user


def test_it_takes_django_qs_edit_permissions_from_the_cs_ops_group(db):
    codenames = set(
        Permission.objects.filter(group__name=Role.OPS.value, content_type__app_label="django_q").values_list(
            "codename", flat=True
        )
    )
    assert codenames and all(c.startswith("view_") for c in codenames), codenames


def test_it_refuses_cs_ops_adding_a_schedule(client, ops_staff):
    client.force_login(ops_staff)
    assert client.get(ADD).status_code == 403
    assert client.post(ADD, EVIL).status_code == 403
    assert not Schedule.objects.exists()


def test_it_shows_cs_ops_schedules_read_only(client, ops_staff):
    schedule = Schedule.objects.create(name="daily", func="scoring.tasks.recompute_all_enqueue", schedule_type="D")
    client.force_login(ops_staff)
    assert client.get("/admin/django_q/schedule/").status_code == 200
    page = client.get(f"/admin/django_q/schedule/{schedule.pk}/change/")
    assert page.status_code == 200 and b'name="func"' not in page.content  # shown, not editable
    changed = client.post(f"/admin/django_q/schedule/{schedule.pk}/change/", {**EVIL, "name": "daily"})
    assert changed.status_code == 403
    assert client.post(f"/admin/django_q/schedule/{schedule.pk}/delete/", {"post": "yes"}).status_code == 403
    schedule.refresh_from_db()
    assert schedule.func == "scoring.tasks.recompute_all_enqueue"


def test_it_lets_a_superuser_add_a_schedule(client, ops):
    client.force_login(ops)
    response = client.post(ADD, EVIL)
    assert response.status_code == 302, response.content[:2000]
    assert Schedule.objects.get(name="pwn").func == "os.system"


def test_it_keeps_code_running_a_superuser_only_capability(ops_staff, ops):
    assert can(ops_staff, Cap.VIEW_SCHEDULES) and not can(ops_staff, Cap.EDIT_SCHEDULES)
    assert can(ops, Cap.EDIT_SCHEDULES)
