"""manage.py import_observations FILE [--dry-run]: all-or-nothing CSV import of observations."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from healthscore.progress import ProgressBar
from support.csv_import import observations_csv_import, text_lines

PROGRESS_MIN_ROWS = 5000


class Command(BaseCommand):
    help = (
        "Import observations from a CSV file with columns account, signal, value, observed_at "
        "[, key, source]. Every row is validated first; nothing is imported unless all rows are valid."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Validate and count, store nothing.")
        parser.add_argument("--source", default="csv", help="Source recorded on each observation (default: csv).")

    def handle(self, *args, file: Path, dry_run: bool, source: str, **options):
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        self.bars: dict[str, ProgressBar] = {}
        with file.open("rb") as binary:
            result = observations_csv_import(
                lines=text_lines(binary), dry_run=dry_run, source=source, progress=self._progress
            )
        if result.errors:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(result.errors)} error(s) in {file}; nothing was imported.")
        verb = "Would import" if dry_run else "Imported"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {result.created} new observation(s) from {result.rows} row(s); "
                f"{result.duplicates} already present."
            )
        )

    def _progress(self, phase: str, done: int, total: int) -> None:
        """One bar per phase (validate, import); small files draw none."""
        if phase not in self.bars:
            self.bars[phase] = ProgressBar(self.stderr, f"{phase:<8}", min_total=PROGRESS_MIN_ROWS)
        self.bars[phase].update(done, total)
        if done >= total:
            self.bars[phase].close()
