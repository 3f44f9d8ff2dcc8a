"""Manual entry (手工填报): a CSV or XLSX of readings, stored as source `manual`.

Columns: point, start, value, and optionally kind (register|interval) and quality. The
file goes through the same checks as an API batch (`ingest`); a bad row is reported as
file / row (the sheet's row number, the header is row 1) / field / reason and nothing is
written. The message id is derived from the file's content, so uploading the same file
again is a resend: the same acknowledgement, nothing stored twice.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from jiliang import bounds
from jiliang.monitoring.ingest import MAX_ITEMS, Ack, BatchRefused, parse, store_parsed
from jiliang.monitoring.models import EnergyUser

COLUMNS = ("point", "start", "value", "kind", "quality")
REQUIRED = ("point", "start", "value")
MAX_BYTES = 8 * 1024 * 1024
_ITEM = re.compile(r"items\[(\d+)\]\.?(.*)")


class ManualRefused(Exception):
    """The file is refused; `errors` holds one dict per problem: file, row, field, reason."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("; ".join(f"{e['row']}:{e['field']}: {e['reason']}" for e in errors))
        self.errors = errors


def _refuse(name: str, reason: str, row: Any = "", field: str = "") -> ManualRefused:
    return ManualRefused([{"file": name, "row": row, "field": field, "reason": reason}])


def _cell(column: str, value: Any) -> Any:
    """A cell as the API would send it: value a number, everything else text (an Excel
    date-time becomes ISO text; without an offset it is refused like any other)."""
    if column == "value":
        if isinstance(value, str):
            try:
                return float(value.strip())
            except ValueError:
                return value
        return value
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_rows(name: str, data: bytes) -> list[dict[str, Any]]:
    """The file's rows as item dicts (CSV: UTF-8 with or without BOM; XLSX: first sheet)."""
    if len(data) > MAX_BYTES:
        raise _refuse(name, bounds.upload_too_large(len(data), MAX_BYTES, name) or "too large")
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise _refuse(name, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
        reader = csv.reader(io.StringIO(text))
        header = [h.strip() for h in next(reader, [])]
        body: list[tuple[Any, ...]] = [tuple(r) for r in reader]
    elif suffix == ".xlsx":
        from jiliang.registry.workbooks import WorkbookRefused, read_xlsx

        with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
            path = Path(tmp) / "upload.xlsx"
            path.write_bytes(data)
            try:
                header, rows = read_xlsx(path, stack)
                body = []
                for row in rows:
                    body.append(row)
                    if len(body) > MAX_ITEMS:
                        break
            except (WorkbookRefused, OSError, ValueError, KeyError) as exc:
                raise _refuse(name, f"not a readable workbook: {exc}") from None
    else:
        raise _refuse(name, "a .csv or .xlsx file")
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise _refuse(name, f"missing column(s) {', '.join(missing)}", 1, missing[0])
    unknown = [h for h in header if h and h not in COLUMNS]
    if unknown:
        raise _refuse(name, f"unknown column {unknown[0]!r}", 1, unknown[0])
    if len(body) > MAX_ITEMS:
        raise _refuse(name, f"at most {MAX_ITEMS} rows per file; split it")
    items = []
    for row in body:
        if all(v in (None, "") for v in row):
            items.append(None)  # keeps row numbers; refused as an empty row
            continue
        item = {
            h: _cell(h, v) for h, v in zip(header, row, strict=False) if h and v not in (None, "")
        }
        items.append(item)
    return items


def upload_file(energy_user: EnergyUser, upload: Any, user: Any) -> Ack:
    """Check and store a manual file for `energy_user` (the caller checked the right)."""
    name = Path(getattr(upload, "name", "upload")).name[:120]
    size = getattr(upload, "size", None)
    too_large = bounds.upload_too_large(size, MAX_BYTES, name)
    if too_large:
        raise _refuse(name, too_large)
    data = upload.read(MAX_BYTES + 1)
    return upload_bytes(energy_user, name, data, user)


def upload_bytes(energy_user: EnergyUser, name: str, data: bytes, user: Any) -> Ack:
    items = read_rows(name, data)
    if not items:
        raise _refuse(name, "no rows below the header")
    for i, item in enumerate(items):
        if item is None:
            raise _refuse(name, "empty row", i + 2)
    message_id = "manual-" + hashlib.sha256(data).hexdigest()[:40]
    body = {"message_id": message_id, "user": energy_user.code, "items": items}
    try:
        parsed, body = parse(body)
        return store_parsed(energy_user, parsed, body, "manual")
    except BatchRefused as exc:
        errors = []
        for error in exc.errors or [{"field": "", "reason": exc.detail}]:
            match = _ITEM.fullmatch(error.get("field", ""))
            if match:
                errors.append(
                    {
                        "file": name,
                        "row": int(match.group(1)) + 2,
                        "field": match.group(2),
                        "reason": error["reason"],
                    }
                )
            else:
                errors.append(
                    {
                        "file": name,
                        "row": "",
                        "field": error.get("field", ""),
                        "reason": error["reason"],
                    }
                )
        raise ManualRefused(errors) from None
