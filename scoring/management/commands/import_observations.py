"""manage.py import_observations FILE [--dry-run] [--source S]: all-or-nothing CSV import of observations.

Kept for its callers; it is ``manage.py import_csv observations FILE`` (the one import pipeline,
support/imports/run.py) with this command's output.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from healthscore.progress import ProgressBar
from support.imports.files import data_rows, text_lines
from support.imports.run import csv_import

PROGRESS_MIN_ROWS = 5000
BAR_LABELS = {"check": "validate", "import": "import"}


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
        handles = []

        def open_lines():
            binary = file.open("rb")
            handles.append(binary)
            return text_lines(binary)

        try:
            self.total = data_rows(open_lines())
            report = csv_import(kind="observations", open_lines=open_lines, dry_run=dry_run, source=source,
                                progress=self._progress)
        finally:
            for binary in handles:
                binary.close()
        if report.errors:
            for error in sorted(report.errors, key=lambda e: (e.line, e.field)):
                # This command has no --map: the header's hint names the one that has.
                message = error.message.replace("with --map", "with manage.py import_csv observations --map")
                self.stderr.write(f"line {error.line}, column {error.field}: {message}")
            count = len(report.errors) + report.more_errors
            raise CommandError(f"{count} error(s) in {file}; nothing was imported.")
        verb = "Would import" if dry_run else "Imported"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {report.created} new observation(s) from {report.rows} row(s); "
                f"{report.duplicates} already present."
            )
        )

    def _progress(self, phase: str, done: int) -> None:
        """One bar per phase (validate, import); small files draw none."""
        if phase not in self.bars:
            self.bars[phase] = ProgressBar(self.stderr, f"{BAR_LABELS.get(phase, phase):<8}", min_total=PROGRESS_MIN_ROWS)
        self.bars[phase].update(done, self.total)
        if done >= self.total:
            self.bars[phase].close()
