from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _create_cache_tables(using: str = "default", **kwargs) -> None:
    """`migrate` also creates the database cache's table (idempotent), so `make demo`, CI, a test
    database and a production release never run without it."""
    from django.conf import settings
    from django.core.management import call_command

    if any(c["BACKEND"].endswith("DatabaseCache") for c in settings.CACHES.values()):
        call_command("createcachetable", database=using, verbosity=0)


class HealthscoreConfig(AppConfig):
    name = "healthscore"
    verbose_name = "Healthscore"

    def ready(self) -> None:
        # Once per migrate run, not once per app migrated.
        post_migrate.connect(_create_cache_tables, sender=self, dispatch_uid="healthscore.createcachetable")
