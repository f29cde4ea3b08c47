"""Stream a CSV import: a first pass validates the whole file (nothing stored), then batches are stored,
each in its own transaction. Memory stays constant whatever the file size (one batch at a time)."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.utils import timezone

from support.imports.columns import Mapping, MappingError, build_mapping
from support.imports.store import Stored, batch_store, batch_validate

BATCH = 5000
MAX_ERRORS = 100
Progress = Callable[[str, int], None]


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, field {self.field}: {self.message}"


@dataclass
class ImportReport:
    """What an import did (a dry run: ``rows`` checked; for observations also ``created`` and ``duplicates``
    as the import would count them)."""

    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    duplicates: int = 0
    errors: list[RowError] = field(default_factory=list)
    more_errors: int = 0
    dry_run: bool = False
    historical: bool = False
    ignored_columns: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


def _batches(lines: Iterable[str], mapping_of: Callable[[list[str]], Mapping], size: int
             ) -> Iterator[tuple[list[int], list[dict[str, str]]] | Mapping | RowError]:
    """Yield the mapping, then (line numbers, raw field dicts) per batch; a RowError for an unreadable file."""
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        yield RowError(1, "-", "the file is empty")
        return
    except (csv.Error, UnicodeDecodeError) as exc:
        yield RowError(1, "-", f"unreadable CSV: {exc}")
        return
    mapping = mapping_of([h.strip() for h in header])
    yield mapping
    columns = sorted(mapping.by_index.items())
    width = len(header)
    lines_, raws = [], []
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > width:
                yield RowError(reader.line_num, "-", "more fields than columns in the header")
                continue
            raw: dict[str, str] = {}
            for i, name in columns:
                value = row[i].strip() if i < len(row) else ""
                raw[name] = f"{raw[name]};{value}" if name in raw and value else raw.get(name) or value
            raws.append(raw)
            lines_.append(reader.line_num)
            if len(raws) >= size:
                yield lines_, raws
                lines_, raws = [], []
    except (csv.Error, UnicodeDecodeError) as exc:
        yield RowError(reader.line_num, "-", f"unreadable CSV: {exc}")
        return
    if raws:
        yield lines_, raws


def csv_import(
    *, kind: str, open_lines: Callable[[], Iterable[str]], explicit: dict[str, str] | None = None,
    preset: str | None = None, dry_run: bool = False, historical: bool = False, source: str = "csv",
    batch_size: int = BATCH, now: dt.datetime | None = None, progress: Progress | None = None,
) -> ImportReport:
    """Import a CSV file of ``kind``. ``open_lines`` opens the file afresh (it is read twice: once to check
    every row, nothing stored unless all are valid; once to store, batch by batch)."""
    now = now or timezone.now()
    report = ImportReport(kind=kind, dry_run=dry_run, historical=historical)

    def mapping_of(header: list[str]) -> Mapping:
        return build_mapping(kind, header, explicit=explicit, preset=preset)

    def passes(store: bool) -> None:
        for item in _batches(open_lines(), mapping_of, batch_size):
            if isinstance(item, Mapping):
                report.ignored_columns = item.ignored
                continue
            if isinstance(item, RowError):
                report.errors.append(item)
                continue
            lines, raws = item
            validated = batch_validate(kind, raws, now=now, source=source)
            if validated.errors:
                for e in validated.errors:
                    if len(report.errors) < MAX_ERRORS:
                        report.errors.append(RowError(lines[e.index] if e.index >= 0 else 1, e.field, e.message))
                    else:
                        report.more_errors += 1
                continue
            if not store:
                report.rows += len(raws)
                if dry_run and kind == "observations" and not report.errors:
                    # What the import would do: new and already present (against the database; not
                    # across batches, which a dry run does not store).
                    would = batch_store(validated, historical=historical, dry_run=True)
                    report.created += would.created
                    report.duplicates += would.duplicates
                if progress:
                    progress("check", report.rows)
                continue
            stored: Stored = batch_store(validated, historical=historical)
            report.created += stored.created
            report.updated += stored.updated
            report.duplicates += stored.duplicates
            if progress:
                progress("import", report.created + report.updated + report.duplicates)

    try:
        passes(store=False)
    except MappingError as exc:
        report.errors.append(RowError(1, "header", str(exc)))
        return report
    if not report.rows and not report.errors:
        report.errors.append(RowError(1, "-", "the file has no data rows"))
    if report.errors or dry_run:
        return report
    passes(store=True)
    return report
