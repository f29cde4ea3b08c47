"""Reading an import's CSV file: decoding, its header and first row (the mapping page), its row count."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable


def text_lines(binary) -> io.TextIOWrapper:
    """Decode an uploaded or opened binary file as UTF-8 (with or without BOM) for csv."""
    return io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")


def content_lines(content: bytes) -> io.TextIOWrapper:
    """A stored upload (``ImportJob.content``), opened afresh for each pass of the import."""
    return text_lines(io.BytesIO(content))


def header_and_sample(lines: Iterable[str]) -> tuple[list[str], list[str]]:
    """The header (stripped) and the first non-blank data row, padded to the header's width.

    Raises ValueError for an empty or unreadable file."""
    reader = csv.reader(lines)
    try:
        header = [h.strip() for h in next(reader)]
        sample: list[str] = []
        for row in reader:
            if any(cell.strip() for cell in row):
                sample = [cell.strip() for cell in row]
                break
    except StopIteration:
        raise ValueError("the file is empty") from None
    except (csv.Error, UnicodeDecodeError) as exc:
        raise ValueError(f"unreadable CSV: {exc}") from None
    return header, (sample + [""] * len(header))[: len(header)]


def data_rows(lines: Iterable[str]) -> int:
    """How many non-blank rows follow the header (the total a progress bar counts to); 0 if unreadable."""
    count = 0
    try:
        reader = csv.reader(lines)
        next(reader, None)
        for row in reader:
            if any(cell.strip() for cell in row):
                count += 1
    except (csv.Error, UnicodeDecodeError):
        pass  # the import itself reports the line
    return count
