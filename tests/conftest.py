"""Shared fixtures: named personas (as in healthchecks' BaseTestCase) and a scored world.

Personas: ``ops`` (CS ops admin), ``manager`` (manages team "East"), ``alice``
and ``bob`` (CSMs on that team), ``support`` (support agent) and ``nobody``
(a user with no role, who exists to prove access is refused).
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User

from accounts.models import Team
from accounts.roles import Role
from tests import factories


@pytest.fixture(autouse=True)
def _fast_and_synchronous(settings, monkeypatch):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # django-q reads Q_CLUSTER once at import, so the setting alone would not
    # reach it: patch its config so async_task runs inline in tests. The
    # end-to-end worker tests turn this off again.
    monkeypatch.setattr("django_q.conf.Conf.SYNC", True)


class _RealModels:
    """The migrations' ``apps`` argument, served by the real app registry (no model-module juggling)."""

    @staticmethod
    def get_model(app_label: str, model_name: str | None = None):
        from django.apps import apps

        return apps.get_model(app_label, model_name)

    @staticmethod
    def get_app_configs() -> list:
        return []


def _restore_roles() -> None:
    """The role groups and their permissions, exactly as the migrations made them (0003, 0006)."""
    from importlib import import_module

    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    for app_config in apps.get_app_configs():
        create_contenttypes(app_config, verbosity=0)
        create_permissions(app_config, verbosity=0)
    import_module("accounts.migrations.0003_roles").create_roles(_RealModels, None)
    import_module("accounts.migrations.0006_ops_cannot_edit_schedules").remove_code_perms(_RealModels, None)


@pytest.fixture(autouse=True)
def _roles_after_a_flush(request):
    """A transactional test ends with a flush that empties every table, the role groups the
    migrations created included, so every later transactional test (they run last) would find no
    roles: before each one, put them back when they are missing."""
    marker = request.node.get_closest_marker("django_db")
    transactional = {"transactional_db", "live_server"} & set(request.fixturenames) or (
        marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0]))
    )
    if not transactional:
        return
    request.getfixturevalue("transactional_db")
    if not Group.objects.filter(name=Role.OPS.value).exists():
        _restore_roles()


def _user(username: str, role: Role | None, **extra) -> User:
    user = User.objects.create_user(username=username, email=f"{username}@example.com", password="pw", **extra)
    if role is not None:
        user.groups.add(Group.objects.get(name=role.value))
    return user


@pytest.fixture
def ops(db) -> User:
    return _user("ops", Role.OPS, is_staff=True, is_superuser=True)


@pytest.fixture
def manager(db) -> User:
    return _user("manager", Role.MANAGER)


@pytest.fixture
def alice(db) -> User:
    return _user("alice", Role.CSM)


@pytest.fixture
def bob(db) -> User:
    return _user("bob", Role.CSM)


@pytest.fixture
def support(db) -> User:
    return _user("support", Role.SUPPORT)


@pytest.fixture
def nobody(db) -> User:
    return _user("nobody", None)


@pytest.fixture
def team(manager, alice, bob) -> Team:
    team = Team.objects.create(name="East", manager=manager)
    team.members.add(alice, bob)
    return team


@pytest.fixture
def personas(ops, manager, alice, bob, support, nobody, team) -> dict[str, User]:
    return {"ops": ops, "manager": manager, "alice": alice, "bob": bob, "support": support, "nobody": nobody}


@pytest.fixture
def scoring_setup(db):
    """Default segment, the 8 standard signals, and a published model version with weights."""
    return factories.standard_scoring_setup()


from tests._parallel import needs_postgresql  # noqa: E402,F401  (the race tests' fixture)
