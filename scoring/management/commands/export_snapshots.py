"""manage.py export_snapshots --from YYYY-MM-DD --to YYYY-MM-DD FILE.csv"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from scoring.history import snapshots_export
from scoring.management.commands.recompute_scores import _date


class Command(BaseCommand):
    help = "Write the daily snapshots of a date range as CSV: account_external_id,date,score,tier (streamed)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="Output CSV ('-' for standard output).")
        parser.add_argument("--from", dest="first", required=True, metavar="YYYY-MM-DD")
        parser.add_argument("--to", dest="last", required=True, metavar="YYYY-MM-DD")

    def handle(self, *args, file: Path, first: str, last: str, **options):
        first_day, last_day = _date(first), _date(last)
        if first_day > last_day:
            raise CommandError("--to is before --from.")
        if str(file) == "-":
            n = snapshots_export(out=self.stdout, first_day=first_day, last_day=last_day)
        else:
            with file.open("w", newline="", encoding="utf-8") as out:
                n = snapshots_export(out=out, first_day=first_day, last_day=last_day)
            self.stdout.write(f"Exported {n} snapshot(s) to {file}.")
