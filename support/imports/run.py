"""Stream a CSV import. Accounts, contacts and outcomes: a first pass validates the whole file (nothing
stored), then batches are stored, each in its own transaction. Observations (the big files): one read of the
file into a staging table, then a move (``_observations``). Memory stays constant whatever the file size."""

from __future__ import annotations

import csv
import datetime as dt
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.utils import timezone

from accounts.models import Account
from scoring.ingest import DEFAULT_SOURCE, ItemChecker, ObservationStage
from support.imports.columns import Mapping, MappingError, build_mapping
from support.imports.store import FileWide, Stored, batch_store, batch_validate

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


def _header(reader) -> list[str] | RowError:
    """The file's header (stripped), or why it cannot be read."""
    try:
        return [h.strip() for h in next(reader)]
    except StopIteration:
        return RowError(1, "-", "the file is empty")
    except (csv.Error, UnicodeDecodeError) as exc:
        return RowError(1, "-", f"unreadable CSV: {exc}")


def _data_rows(reader, width: int) -> Iterator[tuple[int, list[str]] | RowError]:
    """(line, cells) of each non-blank row; a RowError for a row wider than the header, or where the rest of
    the file cannot be read."""
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > width:
                yield RowError(reader.line_num, "-", "more fields than columns in the header")
                continue
            yield reader.line_num, row
    except (csv.Error, UnicodeDecodeError) as exc:
        yield RowError(reader.line_num, "-", f"unreadable CSV: {exc}")


def _batches(lines: Iterable[str], mapping_of: Callable[[list[str]], Mapping], size: int
             ) -> Iterator[tuple[list[int], list[dict[str, str]]] | Mapping | RowError]:
    """Yield the mapping, then (line numbers, raw field dicts) per batch; a RowError for an unreadable file."""
    reader = csv.reader(lines)
    header = _header(reader)
    if isinstance(header, RowError):
        yield header
        return
    mapping = mapping_of(header)
    yield mapping
    columns = sorted(mapping.by_index.items())
    lines_, raws = [], []
    for item in _data_rows(reader, len(header)):
        if isinstance(item, RowError):
            yield item
            continue
        line, row = item
        raw: dict[str, str] = {}
        for i, name in columns:
            value = row[i].strip() if i < len(row) else ""
            raw[name] = f"{raw[name]};{value}" if name in raw and value else raw.get(name) or value
        raws.append(raw)
        lines_.append(line)
        if len(raws) >= size:
            yield lines_, raws
            lines_, raws = [], []
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
    if kind == "observations":
        return _observations(report, open_lines=open_lines, explicit=explicit, preset=preset, source=source,
                             batch_size=batch_size, now=now, progress=progress)

    def mapping_of(header: list[str]) -> Mapping:
        return build_mapping(kind, header, explicit=explicit, preset=preset)

    wide = FileWide()  # the check pass's file-wide state: a domain or contact in two batches is caught too

    def passes(store: bool) -> None:
        for item in _batches(open_lines(), mapping_of, batch_size):
            if isinstance(item, Mapping):
                report.ignored_columns = item.ignored
                continue
            if isinstance(item, RowError):
                report.errors.append(item)
                continue
            lines, raws = item
            validated = batch_validate(kind, raws, now=now, source=source, wide=None if store else wide,
                                       where=lambda index, lines=lines: f"line {lines[index]}")
            if validated.errors:
                for e in validated.errors:
                    if len(report.errors) < MAX_ERRORS:
                        report.errors.append(RowError(lines[e.index] if e.index >= 0 else 1, e.field, e.message))
                    else:
                        report.more_errors += 1
                continue
            if not store:
                report.rows += len(raws)
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


_DONE = object()


def _observations(report: ImportReport, *, open_lines: Callable[[], Iterable[str]], explicit: dict[str, str] | None,
                  preset: str | None, source: str, batch_size: int, now: dt.datetime,
                  progress: Progress | None) -> ImportReport:
    """Observations in one read of the file. A reader thread parses and checks each batch of rows (the API's
    rules: scoring.ingest.ItemChecker) and encodes it while this thread stages it in the database
    (scoring.ingest.ObservationStage), so parsing and PostgreSQL's writes overlap. Only a file without any
    error is then moved into the table (a dry run counts the new and already stored rows instead): nothing
    is half-saved. Memory holds a few batches and the account map, whatever the file size."""
    reader = csv.reader(open_lines())
    header = _header(reader)
    if isinstance(header, RowError):
        report.errors.append(header)
        return report
    try:
        mapping = build_mapping("observations", header, explicit=explicit, preset=preset)
    except MappingError as exc:
        report.errors.append(RowError(1, "header", str(exc)))
        return report
    report.ignored_columns = mapping.ignored
    column = {name: i for i, name in mapping.by_index.items()}
    ia, isig, ival, itime = column["account"], column["signal"], column["value"], column["observed_at"]
    ikey, isrc = column.get("key"), column.get("source")
    width = len(header)
    # Read here, not in the reader thread (which has no database connection of its own to use).
    checker = ItemChecker(source=source, now=now, accounts=dict(Account.objects.values_list("external_id", "pk")))

    def error(line: int, field_name: str, message: str) -> None:
        if len(report.errors) < MAX_ERRORS:
            report.errors.append(RowError(line, field_name, message))
        else:
            report.more_errors += 1

    def checked(lines: list[int], rows: list[list[str]]) -> tuple[list[int], list]:
        good_lines, good = [], []
        for line, row in zip(lines, rows, strict=True):
            if len(row) < width:
                row = row + [""] * (width - len(row))
            item = checker.check(
                line, row[ia].strip(), row[isig].strip(), row[ival].strip(), row[itime].strip(),
                (row[isrc].strip() or DEFAULT_SOURCE) if isrc is not None else DEFAULT_SOURCE,
                (row[ikey].strip() or None) if ikey is not None else None)
            if isinstance(item, list):
                for e in item:
                    error(e.index, e.field, e.message)
            else:
                good_lines.append(line)
                good.append(item)
        report.rows += len(rows)
        return good_lines, good

    def batches(encode: Callable[[list[int], list], object]) -> Iterator:
        """(rows read, the batch checked then ``encode``d for the stage), both in the reader thread."""
        lines: list[int] = []
        rows: list[list[str]] = []
        for item in _data_rows(reader, width):
            if isinstance(item, RowError):
                error(item.line, item.field, item.message)
                continue
            lines.append(item[0])
            rows.append(item[1])
            if len(rows) >= batch_size:
                yield len(rows), encode(*checked(lines, rows))
                lines, rows = [], []
        if rows:
            yield len(rows), encode(*checked(lines, rows))

    stage = ObservationStage()
    try:
        done = 0  # rows read and staged here (the reader thread may be a few batches ahead)
        for count, encoded in _ahead(batches(stage.encode)):
            if not report.errors:  # after the first error, only checked (to list them)
                stage.write(encoded)
            done += count
            if progress:
                progress("check", done)
        if report.errors or not report.rows:
            pass  # nothing stored: the staging table goes
        elif report.dry_run:  # what the import would do
            report.created = stage.would_store()
            report.duplicates = stage.rows - report.created
        else:
            stored, _ = stage.move(recompute=not report.historical,
                                   progress=(lambda n: progress("import", n)) if progress else None)
            report.created, report.duplicates = stored, stage.rows - stored
    finally:
        stage.close()
    if not report.rows and not report.errors:
        report.errors.append(RowError(1, "-", "the file has no data rows"))
    return report


def _ahead(items: Iterator, depth: int = 4) -> Iterator:
    """``items``, produced by a thread of its own up to ``depth`` ahead of the consumer (so the consumer's
    waits on the database overlap the producer's parsing). An exception in the producer is raised here."""
    ready: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        ready.put(item, timeout=0.5)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            ready.put(_DONE)
        except BaseException as exc:  # re-raised in the consumer
            ready.put(exc)

    thread = threading.Thread(target=produce, name="import-reader", daemon=True)
    thread.start()
    try:
        while True:
            item = ready.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)
