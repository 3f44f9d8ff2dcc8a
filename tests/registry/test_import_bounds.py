"""Bulk imports are bounded (issue 12 §2): size, zip expansion, header first, rows.

A 25 MB .xlsx holding 423 MB of sheet XML took 258 s and 1.5 GB before the importer said
"required column is missing". Every file here is made in the test: a workbook whose zip
*declares* a huge sheet (the central directory is patched, so the file stays tiny), a real
deflate bomb, a CSV whose header is wrong above rows that cannot even be decoded, a file one
row over the limit, and a sparse file one byte over the size limit.
"""

from __future__ import annotations

import io
import re
import struct
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook
from typer.testing import CliRunner

from jiliang import bounds
from jiliang.cli.main import app
from jiliang.registry import importers, uploads
from jiliang.registry.models import Instrument

pytestmark = pytest.mark.django_db

HEADER = ["owner_uscc", "name", "serial_number", "division_code"]
SHEET = "xl/worksheets/sheet1.xml"
DECLARED = 423 * 1000 * 1000  # what the probe's 25 MB workbook expanded to


def workbook(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def declare_size(data: bytes, member: str, size: int) -> bytes:
    """The same zip with `member`'s uncompressed size set to `size` in its local header and
    in the central directory (what zipfile and openpyxl trust)."""
    buf = bytearray(data)
    name = member.encode()
    local = buf.find(b"PK\x03\x04")
    while local != -1:
        length = struct.unpack_from("<H", buf, local + 26)[0]
        if buf[local + 30 : local + 30 + length] == name:
            struct.pack_into("<I", buf, local + 22, size)
        local = buf.find(b"PK\x03\x04", local + 4)
    central = buf.find(b"PK\x01\x02")
    while central != -1:
        length = struct.unpack_from("<H", buf, central + 28)[0]
        if buf[central + 46 : central + 46 + length] == name:
            struct.pack_into("<I", buf, central + 24, size)
        central = buf.find(b"PK\x01\x02", central + 4)
    return bytes(buf)


def bomb_workbook() -> bytes:
    """A valid workbook whose sheet declares 423 MB of XML (the file is ~5 kB)."""
    data = declare_size(workbook([HEADER, ["x", "y", "z", "370102"]]), SHEET, DECLARED)
    assert zipfile.ZipFile(io.BytesIO(data)).getinfo(SHEET).file_size == DECLARED
    return data


def deflate_bomb() -> bytes:
    """A workbook whose sheet really is 20 MB of XML compressed ~1000 times."""
    good = zipfile.ZipFile(io.BytesIO(workbook([HEADER])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for info in good.infolist():
            data = good.read(info.filename)
            if info.filename == SHEET:
                data = data.replace(b"</sheetData>", b"<row/>" * 3_500_000 + b"</sheetData>")
            bomb.writestr(info.filename, data)
    return out.getvalue()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def reasons(exc: importers.ImportRejected) -> list[str]:
    return [f"{e.field}: {e.reason}" for e in exc.errors]


def test_a_workbook_declaring_423_mb_of_xml_is_refused_before_parsing(tmp_path: Path) -> None:
    path = write(tmp_path, "bomb.xlsx", bomb_workbook())
    start = time.perf_counter()
    with pytest.raises(importers.ImportRejected) as caught:
        importers.read_file(path, "instruments")
    assert time.perf_counter() - start < 1.0
    (error,) = caught.value.errors
    assert (error.file, error.row, error.field) == ("bomb.xlsx", 0, "file")
    assert f"{SHEET} expands" in error.reason and "to 423,000,000 bytes" in error.reason


def test_a_workbook_expanding_past_the_total_is_refused(tmp_path: Path, monkeypatch: Any) -> None:
    rows: list[list[object]] = [HEADER] + [["x", "y", f"S-{n}", "370102"] for n in range(500)]
    path = write(tmp_path, "big.xlsx", workbook(rows))
    monkeypatch.setattr(bounds, "MAX_WORKBOOK_UNCOMPRESSED", 10_000)
    with pytest.raises(importers.ImportRejected) as caught:
        importers.read_file(path, "instruments")
    assert (
        "the limit is 10,000 (about 100,000 rows; split the file)" in caught.value.errors[0].reason
    )


def test_a_deflate_bomb_is_refused_by_its_ratio(tmp_path: Path) -> None:
    path = write(tmp_path, "ratio.xlsx", deflate_bomb())
    with pytest.raises(importers.ImportRejected) as caught:
        importers.read_file(path, "instruments")
    assert "a zip bomb, not a sheet" in caught.value.errors[0].reason
    assert f"the limit is {bounds.MAX_WORKBOOK_RATIO}" in caught.value.errors[0].reason


def test_the_header_is_checked_before_any_row_is_read(tmp_path: Path) -> None:
    # Past the first 64 kB a row is not UTF-8: reading the rows first would report that.
    data = b"owner,title\n" + b"x,y\n" * 20_000 + b"\xff\xfe broken\n"
    path = write(tmp_path, "wrong.csv", data)
    with pytest.raises(importers.ImportRejected) as caught:
        importers.read_file(path, "instruments")
    assert reasons(caught.value) == [
        "owner_uscc: required column is missing",
        "name: required column is missing",
        "serial_number: required column is missing",
        "division_code: required column is missing",
    ]
    assert {e.row for e in caught.value.errors} == {1}


def test_a_workbook_header_is_checked_before_its_rows(tmp_path: Path) -> None:
    rows: list[list[object]] = [["owner", "title"]] + [["x", n] for n in range(2000)]
    path = write(tmp_path, "wrong.xlsx", workbook(rows))
    with pytest.raises(importers.ImportRejected) as caught:
        importers.read_file(path, "instruments")
    assert caught.value.errors[0].reason == "required column is missing"


def test_one_row_over_the_limit_is_refused_with_its_row(tmp_path: Path) -> None:
    lines = [",".join(HEADER)] + [f"x,y,S-{n},370102" for n in range(bounds.MAX_IMPORT_ROWS + 1)]
    path = write(tmp_path, "many.csv", ("\n".join(lines) + "\n").encode())
    with pytest.raises(importers.ImportRejected) as caught:
        importers.read_file(path, "instruments")
    (error,) = caught.value.errors
    assert error.row == bounds.MAX_IMPORT_ROWS + 2  # the header is row 1
    assert f"more than {bounds.MAX_IMPORT_ROWS:,} rows" in error.reason


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as out:  # sparse: no disk used
        out.truncate(bounds.MAX_IMPORT_BYTES + 1)
    with pytest.raises(importers.ImportRejected) as caught:
        importers.read_file(path, "instruments")
    assert f"the limit is {bounds.MAX_IMPORT_BYTES:,}" in caught.value.errors[0].reason


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.replace(b"<sheetData>", b"<sheetData><row><c><v>"),  # unclosed XML
        lambda d: d[: len(d) // 2],  # truncated zip
        lambda d: d.replace(b"worksheets/sheet1.xml", b"worksheets/sheetX.xml"),
    ],
)
def test_a_damaged_workbook_is_a_problem_of_the_file(tmp_path: Path, damage: Any) -> None:
    good = zipfile.ZipFile(io.BytesIO(workbook([HEADER, ["x", "y", "z", "370102"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as damaged:
        for info in good.infolist():
            data = good.read(info.filename)
            damaged.writestr(info.filename, damage(data) if info.filename == SHEET else data)
    path = write(tmp_path, "damaged.xlsx", damage(out.getvalue()))
    with pytest.raises(importers.ImportRejected) as caught:
        importers.read_file(path, "instruments")
    assert caught.value.errors[0].field == "file"


def test_a_good_workbook_still_imports(world: Any, tmp_path: Path) -> None:
    rows: list[list[object]] = [HEADER, [world.market.uscc, "电子计价秤", "WB-1", "370303"]]
    path = write(tmp_path, "good.xlsx", workbook(rows))
    result = importers.import_file(path, "instruments", world.users["market"])
    assert result.created == 1
    assert Instrument.objects.filter(serial_number="WB-1").exists()


# --- the same refusals at every entry point: API, web page, CLI -----------------------------


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_api_refuses_the_bomb_with_400_and_writes_nothing(world: Any) -> None:
    client = Client()
    client.force_login(world.users["market"])
    before = Instrument.objects.count()
    response = client.post("/api/imports/instruments", {"file": upload("b.xlsx", bomb_workbook())})
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["file"] == "b.xlsx" and error["field"] == "file"
    assert "the limit is" in error["reason"]
    assert Instrument.objects.count() == before


def test_web_page_refuses_the_bomb_with_400(world: Any) -> None:
    client = Client()
    client.force_login(world.users["market"])
    response = client.post(
        "/import/", {"kind": "instruments", "file": upload("b.xlsx", bomb_workbook())}
    )
    assert response.status_code == 400
    assert "the limit is" in response.content.decode()


def test_an_upload_whose_size_lies_is_cut_at_the_limit(world: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 100)
    lying = upload("lie.csv", b"x" * 1000)
    lying.size = 10  # what a client may declare
    with pytest.raises(importers.ImportRejected) as caught:
        uploads.import_upload("instruments", lying, world.users["market"])
    assert "over 100 bytes" in caught.value.errors[0].reason


def test_cli_import_of_the_bomb_prints_the_reason_not_a_traceback(
    world: Any, tmp_path: Path
) -> None:
    path = write(tmp_path, "bomb.xlsx", bomb_workbook())
    result = CliRunner().invoke(app, ["import", "instruments", str(path), "--user", "market"])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert "the limit is" in result.output


def test_cli_import_checks_the_header_first(world: Any, tmp_path: Path) -> None:
    data = b"owner,title\n" + b"x,y\n" * 20_000 + b"\xff\xfe broken\n"
    path = write(tmp_path, "wrong.csv", data)
    result = CliRunner().invoke(app, ["import", "instruments", str(path), "--user", "market"])
    assert result.exit_code == 1
    assert "required column is missing" in result.output


def _patched_sheet(rows: list[list[object]], patch: Any) -> bytes:
    """A workbook of `rows` whose sheet XML is rewritten by `patch` (bytes -> bytes)."""
    good = zipfile.ZipFile(io.BytesIO(workbook(rows)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as patched:
        for info in good.infolist():
            data = good.read(info.filename)
            patched.writestr(info.filename, patch(data) if info.filename == SHEET else data)
    return out.getvalue()


def test_a_sheet_without_dimension_is_not_parsed_before_its_header(tmp_path: Path) -> None:
    """openpyxl scans a sheet without <dimension> to its end on opening (35 s for 10^5 rows,
    the probe's 258 s); rows after the header are damaged here, so a scan would fail on them
    instead of reporting the header."""

    def patch(xml: bytes) -> bytes:
        start = xml.index(b"<dimension")
        xml = xml[:start] + xml[xml.index(b"/>", start) + 2 :]
        return xml.replace(b"</row>", b"</row><row r='3'><c r='A3'><v>1</v></c></broken>", 1)

    rows: list[list[object]] = [["owner", "title"], ["x", "y"], ["x", "y"]]
    path = write(tmp_path, "nodim.xlsx", _patched_sheet(rows, patch))
    with pytest.raises(importers.ImportRejected) as caught:
        importers.read_file(path, "instruments")
    assert caught.value.errors[0].reason == "required column is missing"


def test_a_row_numbered_past_the_last_row_of_a_sheet_is_refused(tmp_path: Path) -> None:
    """<row r="2000000"> made openpyxl yield 1,999,998 empty rows first (r="10^11": hours)."""

    def patch(xml: bytes) -> bytes:
        xml = re.sub(rb'r="([A-Z]*)2"', rb'r="\g<1>2000000"', xml)
        return xml.replace(b'ref="A1:D2"', b'ref="A1:D2000000"')

    rows: list[list[object]] = [HEADER, ["x", "y", "z", "370102"]]
    path = write(tmp_path, "far.xlsx", _patched_sheet(rows, patch))
    with pytest.raises(importers.ImportRejected) as caught:
        importers.read_file(path, "instruments")
    assert "past row 1,048,576, the last row of a sheet" in caught.value.errors[0].reason
