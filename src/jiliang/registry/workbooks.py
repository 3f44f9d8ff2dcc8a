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
EXCEL_ROWS = 1_048_576  # the last row of a sheet (Excel's limit, also in ECMA-376)


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
    book = _open_read_only(path)
    stack.callback(book.close)
    sheet = book.worksheets[0]
    first = next(sheet.iter_rows(max_row=1, max_col=MAX_COLUMNS, values_only=True), ())
    header = [str(h).strip() if h is not None else "" for h in first]
    while header and not header[-1]:
        header.pop()
    rows = sheet.iter_rows(min_row=2, max_col=max(len(header), 1), values_only=True)
    return header, _within_the_sheet(rows)


def _within_the_sheet(rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """The rows, refused past Excel's last row: a row numbered r="99999999999" would make
    openpyxl yield that many empty rows before it (a few bytes, hours of CPU)."""
    for number, row in enumerate(rows, start=2):
        if number > EXCEL_ROWS:
            raise WorkbookRefused(f"has a row past row {EXCEL_ROWS:,}, the last row of a sheet")
        yield row


def check_sheet(source: Path | IO[bytes], max_rows: int) -> None:
    """Refuse a workbook whose first sheet declares or holds rows past `max_rows` or columns
    past MAX_COLUMNS, reading it once, streamed (for readers that then load it whole)."""
    book = _open_read_only(source)
    try:
        if not book.worksheets:
            raise WorkbookRefused("has no sheet")
        sheet = book.worksheets[0]
        if (sheet.max_row or 0) > max_rows or (sheet.max_column or 0) > MAX_COLUMNS:
            raise WorkbookRefused(
                f"declares {sheet.max_row:,} rows and {sheet.max_column:,} columns; the limit "
                f"is {max_rows:,} rows of {MAX_COLUMNS} columns"
            )
        for number, _ in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), 1):
            if number > max_rows:
                raise WorkbookRefused(f"has more than {max_rows:,} rows, the limit")
    finally:
        book.close()


def _open_read_only(path: Path | IO[bytes]) -> Any:
    """openpyxl's read-only workbook, without its scan of each whole sheet on opening.

    openpyxl's ReadOnlyWorksheet looks for the sheet's <dimension> element with end events, so
    a sheet that has none (any writer may leave it out) is parsed to its last row before the
    first row can be read: 35 s for 10^5 rows here, and the probe's 258 s. This reader stops at
    the start of <sheetData>, which is all a streamed read needs (rows are cut to the header's
    width, so the dimension is never used). Same parsing, same values, same date handling.
    """
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet
    from openpyxl.worksheet._reader import DATA_TAG, DIMENSION_TAG
    from openpyxl.worksheet.dimensions import SheetDimension
    from openpyxl.xml.functions import iterparse

    class Sheet(ReadOnlyWorksheet):  # type: ignore[misc]
        def _get_size(self) -> None:
            source = self._get_source()
            try:
                for _event, element in iterparse(source, events=("start",)):
                    if element.tag == DIMENSION_TAG:
                        bounds_ = SheetDimension.from_tree(element).boundaries
                        self._min_column, self._min_row, self._max_column, self._max_row = bounds_
                        return
                    if element.tag == DATA_TAG:
                        return
            finally:
                source.close()

    class Reader(ExcelReader):  # type: ignore[misc]
        def read_worksheets(self) -> None:
            for sheet, rel in self.parser.find_sheets():
                if rel.target not in self.valid_files or "chartsheet" in rel.Type:
                    continue
                ws = Sheet(self.wb, sheet.name, rel.target, self.shared_strings)
                ws.sheet_state = sheet.state
                self.wb._sheets.append(ws)

    reader = Reader(path, read_only=True, data_only=True)
    reader.read()
    return reader.wb
