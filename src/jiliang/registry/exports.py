"""CSV and Excel exports of the impact list and the due list.

They take the results of the services (already restricted to the user), so an export can
never show more than the page it was downloaded from. Cells that a spreadsheet would read
as a formula are neutralised (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence

from openpyxl import Workbook
from openpyxl.styles import Font

from jiliang.registry.services import DueEntry
from jiliang.registry.traceability import ImpactRow

Cell = str | int | dt.date | None

IMPACT_HEADER = (
    "证书编号 Certificate",
    "签发日期 Issued on",
    "检定/校准日期 Calibration date",
    "器具 Instrument",
    "出厂编号 Serial number",
    "客户 Customer",
    "经由标准 Via standard",
)

DUE_HEADER = (
    "器具 Instrument",
    "出厂编号 Serial number",
    "使用单位 Owner",
    "行政区划 Division",
    "到期日 Due date",
    "状态 State",
)

DUE_STATES = {"overdue": "超期 overdue", "due": "到期 due", "never": "未检 never verified"}

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(value: Cell) -> Cell:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def impact_rows(rows: Iterable[ImpactRow]) -> list[tuple[Cell, ...]]:
    return [
        (
            r.certificate,
            r.issued_on,
            r.calibration_date,
            r.instrument,
            r.serial_number,
            r.customer,
            r.via_standard,
        )
        for r in rows
    ]


def due_rows(entries: Iterable[DueEntry]) -> list[tuple[Cell, ...]]:
    return [
        (e.name, e.serial_number, e.owner, e.division_code, e.due, DUE_STATES[e.state])
        for e in entries
    ]


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel opens the Chinese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(
            [
                "" if v is None else v.isoformat() if isinstance(v, dt.date) else _safe(v)
                for v in row
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(title: str, header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_safe(v) for v in row])
    for column in sheet.iter_cols(min_row=2):
        for cell in column:
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    for letter, width in zip("ABCDEFG", (24, 12, 14, 24, 18, 28, 24), strict=False):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def impact_csv(rows: Iterable[ImpactRow]) -> bytes:
    return to_csv(IMPACT_HEADER, impact_rows(rows))


def impact_xlsx(rows: Iterable[ImpactRow]) -> bytes:
    return to_xlsx("impact", IMPACT_HEADER, impact_rows(rows))


def due_csv(entries: Iterable[DueEntry]) -> bytes:
    return to_csv(DUE_HEADER, due_rows(entries))


def due_xlsx(entries: Iterable[DueEntry]) -> bytes:
    return to_xlsx("due", DUE_HEADER, due_rows(entries))


def _csv_cell(value: Cell) -> Cell:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, dt.date) else _safe(value)


def stream_csv(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> Iterator[bytes]:
    """The CSV of `to_csv`, written while the rows are read (a StreamingHttpResponse body):
    a list's export of 10^5 rows never waits for, or holds, the whole file."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    first = True
    for n, row in enumerate(rows, 1):
        writer.writerow([_csv_cell(v) for v in row])
        if n % 1000 == 0:
            yield (("\ufeff" if first else "") + buffer.getvalue()).encode("utf-8")
            first = False
            buffer.seek(0)
            buffer.truncate()
    yield (("\ufeff" if first else "") + buffer.getvalue()).encode("utf-8")


def to_xlsx_stream(title: str, header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """An Excel workbook written row by row (openpyxl's write-only mode), for list exports
    of up to 10^5 rows: memory stays flat where a normal workbook keeps every cell object."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    sheet.append(list(header))
    for row in rows:
        sheet.append([_safe(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
