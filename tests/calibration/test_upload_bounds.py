"""Uploads to the calibration app are bounded where they enter (issue 12 §2).

A 200 MB DCC was accepted; a procedure or an observations workbook was read whole whatever
its size, and the workbook unzipped whatever it expanded to. Each kind has one limit in
jiliang.bounds; a refusal is a 400 naming the file (API), a message (page) or an error line
(CLI), and nothing is written. Large files are sparse or declared, never stored in the repo.
"""

from __future__ import annotations

import io
import re
import struct
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
from tests.calibration.conftest import make_job

pytestmark = pytest.mark.django_db

SHEET = b"xl/worksheets/sheet1.xml"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _bomb_workbook() -> bytes:
    """A real observations workbook whose sheet declares 423 MB (central directory patched)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["point", "state", "I", "dL", "mpe_ref"])
    out = io.BytesIO()
    book.save(out)
    buf = bytearray(out.getvalue())
    at = buf.find(b"PK\x01\x02")
    while at != -1:
        length = struct.unpack_from("<H", buf, at + 28)[0]
        if buf[at + 46 : at + 46 + length] == SHEET:
            struct.pack_into("<I", buf, at + 24, 423_000_000)
        at = buf.find(b"PK\x01\x02", at + 4)
    return bytes(buf)


def test_dcc_over_the_limit_is_400_before_parsing(lab: Any) -> None:
    from jiliang.registry.models import Certificate

    before = Certificate.objects.count()
    data = b"<?xml version='1.0'?>" + b" " * bounds.MAX_DCC_BYTES
    response = _client(lab.world.users["market"]).post(
        "/api/calibration/dcc/import", {"file": SimpleUploadedFile("huge.xml", data)}
    )
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["field"] == "file"
    assert error["reason"].startswith("huge.xml: the DCC is ")
    assert f"the limit is {bounds.MAX_DCC_BYTES:,}" in error["reason"]
    assert Certificate.objects.count() == before


def test_cli_dcc_import_over_the_limit_is_an_error_line(lab: Any, tmp_path: Path) -> None:
    path = tmp_path / "huge.xml"
    with path.open("wb") as out:  # sparse
        out.truncate(bounds.MAX_DCC_BYTES + 1)
    result = CliRunner().invoke(app, ["certificate", "import", str(path), "--user", "zibo_lab"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert f"the limit is {bounds.MAX_DCC_BYTES:,}" in " ".join(result.output.split())


def test_procedure_over_the_limit_is_400(lab: Any) -> None:
    text = lab.procedure.source_text + "#" + "x" * bounds.MAX_PROCEDURE_BYTES
    response = _client(lab.recorder).post(
        "/api/calibration/procedures", {"file": SimpleUploadedFile("big.yaml", text.encode())}
    )
    assert response.status_code == 400
    assert f"the limit is {bounds.MAX_PROCEDURE_BYTES:,}" in response.json()["errors"][0]["reason"]


def test_alias_bomb_procedure_upload_is_400_naming_the_line(lab: Any) -> None:
    lines = ["a: &a [x,x,x,x,x,x,x,x,x]"] + [
        f"{chr(98 + k)}: &{chr(98 + k)} [{','.join([f'*{chr(97 + k)}'] * 9)}]" for k in range(8)
    ]
    text = "code: ZB-BOMB\n" + "\n".join(lines) + "\n"
    response = _client(lab.recorder).post(
        "/api/calibration/procedures", {"file": SimpleUploadedFile("bomb.yaml", text.encode())}
    )
    assert response.status_code == 400
    reason = response.json()["errors"][0]["reason"]
    assert reason.startswith("bomb.yaml: ") and "anchors (&a) are not allowed" in reason


def test_procedure_page_over_the_limit_shows_the_reason(lab: Any) -> None:
    from jiliang.calibration.models import ProcedureRecord

    text = lab.procedure.source_text.replace("code: JJG 539-2016", "code: ZB-BIG")
    data = (text + "#" + "x" * bounds.MAX_PROCEDURE_BYTES).encode()
    page = _client(lab.recorder).post(
        "/calibration/procedures/", {"file": SimpleUploadedFile("big.yaml", data)}, follow=True
    )
    assert page.status_code == 200
    assert f"the limit is {bounds.MAX_PROCEDURE_BYTES:,}" in page.content.decode()
    assert not ProcedureRecord.objects.filter(code="ZB-BIG").exists()


def test_observations_workbook_bomb_is_400_and_records_nothing(lab: Any) -> None:
    job = make_job(lab)
    url = f"/api/calibration/jobs/{job.pk}/observations/upload"
    response = _client(lab.recorder).post(
        url, {"file": SimpleUploadedFile("obs.xlsx", _bomb_workbook())}
    )
    assert response.status_code == 400
    reason = response.json()["errors"][0]["reason"]
    assert reason.startswith("obs.xlsx: ") and "423,000,000 bytes" in reason
    assert not job.observations.exists()


def test_observations_page_refuses_the_bomb_with_a_message(lab: Any) -> None:
    job = make_job(lab)
    page = _client(lab.recorder).post(
        f"/calibration/jobs/{job.pk}/upload/",
        {"file": SimpleUploadedFile("obs.xlsx", _bomb_workbook())},
        follow=True,
    )
    assert page.status_code == 200
    assert "423,000,000 bytes" in page.content.decode()
    assert not job.observations.exists()


def test_observations_upload_over_the_size_limit_is_400(lab: Any) -> None:
    job = make_job(lab)
    data = b"PK" + b"\0" * bounds.MAX_OBSERVATIONS_BYTES
    response = _client(lab.recorder).post(
        f"/api/calibration/jobs/{job.pk}/observations/upload",
        {"file": SimpleUploadedFile("obs.xlsx", data)},
    )
    assert response.status_code == 400
    assert (
        f"the limit is {bounds.MAX_OBSERVATIONS_BYTES:,}" in response.json()["errors"][0]["reason"]
    )


def test_observations_upload_that_is_not_a_workbook_is_400(lab: Any) -> None:
    job = make_job(lab)
    response = _client(lab.recorder).post(
        f"/api/calibration/jobs/{job.pk}/observations/upload",
        {"file": SimpleUploadedFile("obs.xlsx", b"point,state\n1,as_found\n")},
    )
    assert response.status_code == 400
    assert "not an .xlsx workbook" in response.json()["errors"][0]["reason"]


def _observations_sheet(patch: Any) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["point", "state", "I", "dL", "mpe_ref"])
    sheet.append([1, "as_found", 100, 2.5, 0.05])
    out = io.BytesIO()
    book.save(out)
    good = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    patched = io.BytesIO()
    with zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in good.infolist():
            data = good.read(info.filename)
            archive.writestr(
                info.filename, patch(data) if info.filename == SHEET.decode() else data
            )
    return patched.getvalue()


@pytest.mark.parametrize(
    ("patch", "why"),
    [
        # a row numbered 10^11: openpyxl would build 10^11 empty rows before it
        (
            lambda x: re.sub(rb'r="([A-Z]*)2"', rb'r="\g<1>99999999999"', x).replace(
                b'ref="A1:E2"', b'ref="A1:E99999999999"'
            ),
            "declares 99,999,999,999 rows",
        ),
        # a dimension of 16,384 columns: every row would be 16,384 cells wide
        (lambda x: x.replace(b'ref="A1:E2"', b'ref="A1:XFD2"'), "16,384 columns"),
        (
            lambda x: re.sub(rb"<dimension[^>]*/>", b"", x).replace(
                b'<row r="2"', b'<row r="20000"'
            ),
            "more than 10,000 rows",
        ),
    ],
)
def test_observations_sheet_that_would_expand_in_memory_is_400(
    lab: Any, patch: Any, why: str
) -> None:
    job = make_job(lab)
    response = _client(lab.recorder).post(
        f"/api/calibration/jobs/{job.pk}/observations/upload",
        {"file": SimpleUploadedFile("obs.xlsx", _observations_sheet(patch))},
    )
    assert response.status_code == 400
    assert why in response.json()["errors"][0]["reason"]
    assert not job.observations.exists()
