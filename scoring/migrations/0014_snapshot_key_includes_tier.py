"""PostgreSQL: the snapshots' unique (account, date) constraint carries the tier (INCLUDE), so a day's tier
is read from the index alone (the dashboard's red interventions, 233 → 162 ms at 100,000 accounts). The model
keeps the plain constraint: Django would drop a constraint with ``include`` on SQLite, which cannot build it."""

from django.db import migrations

NAME = "snapshot_one_per_account_per_day"


def _replace(schema_editor, include: str) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE scoring_scoresnapshot DROP CONSTRAINT IF EXISTS {NAME}")
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")
        schema_editor.execute(f"ALTER TABLE scoring_scoresnapshot ADD CONSTRAINT {NAME} UNIQUE (account_id, date)"
                              f"{include}")


def _with_tier(apps, schema_editor):
    _replace(schema_editor, " INCLUDE (tier)")


def _without_tier(apps, schema_editor):
    _replace(schema_editor, "")


class Migration(migrations.Migration):

    dependencies = [
        ("scoring", "0013_observation_fewer_indexes"),
    ]

    operations = [migrations.RunPython(_with_tier, _without_tier, elidable=False)]
