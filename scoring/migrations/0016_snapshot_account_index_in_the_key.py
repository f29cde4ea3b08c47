"""The snapshots' own account_id index goes: the unique (account, date) index leads with the account and serves
every lookup by account. Only the index is dropped (``AlterField`` would also drop and re-validate the foreign
key, a scan of every snapshot under lock)."""

import django.db.models.deletion
from django.db import migrations, models

INDEX = "scoring_scoresnapshot_account_id_78a5abc9"


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0007_contact_last_touch"),
        ("scoring", "0015_account_tier_day"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="scoresnapshot",
                    name="account",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                            related_name="snapshots", to="accounts.account"),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{INDEX}"',
                    reverse_sql=f'CREATE INDEX IF NOT EXISTS "{INDEX}" ON "scoring_scoresnapshot" ("account_id")',
                ),
            ],
        ),
    ]
