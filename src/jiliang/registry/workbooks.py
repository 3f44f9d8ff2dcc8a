"""Reading an uploaded .xlsx workbook without trusting it: zip first, then rows streamed.

Why: an .xlsx is a zip of XML. A 25 MB upload held 423 MB of sheet XML and took 258 s and
1.5 GB before the importer said "required column is missing". Here the zip's central
directory is read first: each entry's declared uncompressed size, their total and each large
entry's compression ratio must stay within `jiliang.bounds` (Python's zipfile never inflates an
entry past its declared size, so the declared sizes bound the work). Then openpyxl reads the
first sheet in read-only (streaming) mode, only as many columns as the header has, and the
caller checks the header before any data row is read.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

from jiliang import bounds

MIB = 1024 * 1024
MAX_COLUMNS = 200  # far more than any import kind has


class WorkbookRefused(Exception):
    """The workbook is refused before parsing; the message says why (sizes included)."""


def check_archive(source: Path | IO[bytes], limit: int | None = None, rows: str = "") -> None:
    """Refuse a workbook whose zip entries would expand past `limit` bytes in all (default
    `bounds.MAX_WORKBOOK_UNCOMPRESSED`) or any large entry past the ratio, before parsing it.
    `rows` says what the limit allows, for the message."""
    limit = bounds.MAX_WORKBOOK_UNCOMPRESSED if limit is None else limit
    with zipfile.ZipFile(source) as archive:
        entries = archive.infolist()
        if len(entries) > bounds.MAX_WORKBOOK_ENTRIES:
            raise WorkbookRefused(
                f"holds {len(entries):,} files; a workbook has at most "
                f"{bounds.MAX_WORKBOOK_ENTRIES:,}"
            )
        total = 0
        for entry in entries:
            total += entry.file_size
            ratio = entry.file_size / max(entry.compress_size, 1)
            if entry.file_size > MIB and ratio > bounds.MAX_WORKBOOK_RATIO:
                raise WorkbookRefused(
                    f"{entry.filename} expands {ratio:,.0f} times ({entry.compress_size:,} to "
                    f"{entry.file_size:,} bytes); the limit is {bounds.MAX_WORKBOOK_RATIO} "
                    "(a zip bomb, not a sheet)"
                )
        if total > limit:
            allows = f" ({rows}; split the file)" if rows else ""
            raise WorkbookRefused(
                f"expands to {total:,} bytes of XML; the limit is {limit:,}{allows}"
            )


def read_xlsx(path: Path, stack: ExitStack) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
    """Header (as text) and the value tuples of the rows below it, of the first sheet.

    The archive is checked first (WorkbookRefused); rows are read lazily, each cut to the
    header's width; the workbook is closed with `stack`.
    """
    check_archive(path, rows=f"about {bounds.MAX_IMPORT_ROWS:,} rows")
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    stack.callback(book.close)
    sheet = book.worksheets[0]
    first = next(sheet.iter_rows(max_row=1, max_col=MAX_COLUMNS, values_only=True), ())
    header = [str(h).strip() if h is not None else "" for h in first]
    while header and not header[-1]:
        header.pop()
    rows = sheet.iter_rows(min_row=2, max_col=max(len(header), 1), values_only=True)
    return header, rows
