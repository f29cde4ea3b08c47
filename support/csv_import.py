"""CSV import of observations: validate every row first, import nothing unless all rows are valid.

Columns: ``account`` (external id), ``signal`` (key), ``value``, ``observed_at``
(ISO 8601), optional ``key`` (idempotency key) and ``source`` (default "csv").
Same validation and idempotency as the API: scoring.ingest does both.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.utils import timezone

from scoring.ingest import (
    MAX_ITEMS,
    IngestValidationError,
    observations_rows_store,
    observations_validate,
)

REQUIRED_COLUMNS = ("account", "signal", "value", "observed_at")
OPTIONAL_COLUMNS = ("key", "source")
CHUNK = MAX_ITEMS
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.message}"


@dataclass
class CsvImportResult:
    rows: int = 0
    created: int = 0
    duplicates: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def _read(lines: Iterable[str]) -> tuple[list[dict], list[int], list[RowError]]:
    reader = csv.DictReader(lines)
    header = [h.strip() for h in reader.fieldnames or []]
    reader.fieldnames = header
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        return [], [], [RowError(1, c, "required column is missing from the header") for c in missing]
    items, line_numbers, errors = [], [], []
    try:
        for row in reader:
            if not any((v or "").strip() for k, v in row.items() if k is not None):
                continue  # blank line
            if row.get(None):
                errors.append(RowError(reader.line_num, "-", "more fields than columns in the header"))
                continue
            item = {c: (row.get(c) or "").strip() for c in REQUIRED_COLUMNS}
            for c in OPTIONAL_COLUMNS:
                if (row.get(c) or "").strip():
                    item[c] = row[c].strip()
            items.append(item)
            line_numbers.append(reader.line_num)
    except (csv.Error, UnicodeDecodeError) as exc:
        errors.append(RowError(reader.line_num, "-", f"unreadable CSV: {exc}"))
    return items, line_numbers, errors


def observations_csv_import(
    *, lines: Iterable[str], dry_run: bool = False, source: str = "csv", progress: Progress | None = None
) -> CsvImportResult:
    """Validate all rows, then (unless ``dry_run`` or any error) store them in one transaction."""
    items, line_numbers, errors = _read(lines)
    result = CsvImportResult(rows=len(items), dry_run=dry_run)
    now = timezone.now()
    total = len(items)
    rows = []
    for start in range(0, total, CHUNK):
        try:
            rows.extend(
                observations_validate(items=items[start : start + CHUNK], source=source, now=now, max_items=None)
            )
        except IngestValidationError as exc:
            errors.extend(RowError(line_numbers[start + e.index], e.field, e.message) for e in exc.errors)
        if progress:
            progress("validate", min(start + CHUNK, total), total)
    if not total and not errors:
        errors.append(RowError(1, "-", "the file has no data rows"))
    if errors:
        result.errors = sorted(errors, key=lambda e: (e.line, e.column))
        return result
    # The rows are validated once, then stored together: repeats anywhere in the file count as duplicates.
    phase = "import" if not dry_run else "check"
    reported = False

    def store_progress(done: int, count: int) -> None:
        nonlocal reported
        reported = True
        progress(phase, done, count)

    stored = observations_rows_store(rows=rows, dry_run=dry_run, progress=store_progress if progress else None)
    if progress and not reported:
        progress(phase, total, total)
    result.created = len(stored.created)
    result.duplicates = len(stored.duplicates)
    return result


def text_lines(binary) -> io.TextIOWrapper:
    """Decode an uploaded or opened binary file as UTF-8 (with or without BOM) for csv."""
    return io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
