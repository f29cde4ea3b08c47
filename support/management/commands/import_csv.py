"""manage.py import_csv {accounts,contacts,outcomes,observations} FILE [--map COLUMN=FIELD ...]
[--preset hubspot|salesforce] [--dry-run] [--historical]"""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from support.imports.columns import KINDS, PRESETS, MappingError, parse_map_options
from support.imports.files import text_lines
from support.imports.run import csv_import


class Command(BaseCommand):
    help = (
        "Import accounts, contacts, outcomes or observations from a CSV file, streamed in batches. Every row is "
        "checked first (nothing is stored if any row is bad: line, field and reason are listed), then stored "
        "batch by batch. --historical stores without rescoring, tasks or notifications (build the history "
        "afterwards with recompute_scores --from/--to)."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("file", type=Path)
        parser.add_argument("--map", action="append", default=[], metavar="COLUMN=FIELD",
                            help="Map a header column to a field (or to - to ignore it); repeatable.")
        parser.add_argument("--preset", choices=sorted(PRESETS), help="Column names of a CRM's export.")
        parser.add_argument("--dry-run", action="store_true", help="Check every row, store nothing.")
        parser.add_argument("--historical", action="store_true",
                            help="Past data: no recompute per row, no tasks, no notifications.")
        parser.add_argument("--source", default="csv", help="Source recorded on observations (default: csv).")
        parser.add_argument("--batch-size", type=int, default=5000, help="Rows checked at a time (default 5000).")

    def handle(self, *args, kind: str, file: Path, map: list[str], preset: str | None, dry_run: bool,
               historical: bool, source: str, batch_size: int, **options):
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            explicit = parse_map_options(map)
        except MappingError as exc:
            raise CommandError(str(exc)) from None
        handles = []

        def open_lines():
            binary = file.open("rb")
            handles.append(binary)
            return text_lines(binary)

        started = time.monotonic()
        last = [0.0]

        def progress(phase: str, done: int) -> None:
            if time.monotonic() - last[0] >= 1:
                last[0] = time.monotonic()
                self.stderr.write(f"{phase}: {done:,} rows", ending="\r")

        try:
            report = csv_import(kind=kind, open_lines=open_lines, explicit=explicit, preset=preset,
                                dry_run=dry_run, historical=historical, source=source, batch_size=batch_size,
                                progress=progress)
        finally:
            for binary in handles:
                binary.close()
        if report.errors:
            for error in report.errors:
                self.stderr.write(str(error))
            more = f" (and {report.more_errors} more)" if report.more_errors else ""
            raise CommandError(f"{len(report.errors)} error(s){more} in {file}, first {report.errors[0]}; "
                               "nothing was imported.")
        elapsed = time.monotonic() - started
        rate = report.rows / max(elapsed, 1e-9)
        if dry_run:
            self.stdout.write(self.style.SUCCESS(f"Checked {report.rows} {kind} row(s): all valid; nothing stored."))
        else:
            mode = " (historical: not rescored)" if historical else ""
            self.stdout.write(self.style.SUCCESS(
                f"Imported {report.rows} {kind} row(s){mode}: {report.created} created, {report.updated} updated, "
                f"{report.duplicates} already present; {elapsed:.1f}s, {rate:,.0f} rows/s."))
        if report.ignored_columns:
            self.stdout.write(f"Ignored column(s): {', '.join(report.ignored_columns)}")
