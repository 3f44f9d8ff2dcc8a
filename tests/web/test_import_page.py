"""Importing a file from the web page and the API: the CLI's all-or-nothing rules, every
problem named (file, row, field, reason), a 4xx for bad input, nothing written."""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from jiliang.accounts.models import ApiToken
from jiliang.registry import uploads
from jiliang.registry.models import Certificate, Instrument

HEADER = "owner_uscc,name,serial_number,division_code,use_area\n"


def scales(world: Any, *serials: str) -> bytes:
    rows = "".join(f"{world.market.uscc},电子计价秤,{s},370303,trade\n" for s in serials)
    return (HEADER + rows).encode()


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_page_imports_a_good_file_and_links_to_the_list(world, client_as) -> None:
    client = client_as("market")
    page = client.get("/import/")
    assert page.status_code == 200 and "owner_uscc" in page.content.decode()
    response = client.post(
        "/import/",
        {"kind": "instruments", "file": upload("scales.csv", scales(world, "W-1", "W-2"))},
    )
    body = response.content.decode()
    assert response.status_code == 200 and 'id="import-result"' in body
    assert "<strong>2</strong>" in body
    assert set(
        Instrument.objects.filter(serial_number__startswith="W-").values_list(
            "serial_number", flat=True
        )
    ) == {"W-1", "W-2"}


def test_page_lists_every_problem_and_imports_nothing(world, client_as) -> None:
    data = scales(world, "W-1", "W-1", "") + b"NOT-A-CODE,x,W-3,370303,trade\n"
    response = client_as("market").post(
        "/import/", {"kind": "instruments", "file": upload("scales.csv", data)}
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "3 处错误 problems" in body
    rows = [body.find(f"<td>scales.csv</td><td>{n}</td>") for n in (3, 4, 5)]
    assert -1 < rows[0] < rows[1] < rows[2]  # by row, whichever check found them
    for cell in (
        "<td>3</td><td><code>serial_number</code></td><td>&#x27;W-1&#x27; repeats row 2",
        "<td>4</td><td><code>serial_number</code></td><td>is required",
        "<td>5</td><td><code>owner_uscc</code></td>",
    ):
        assert cell in body
    assert not Instrument.objects.filter(serial_number__startswith="W-").exists()


def test_page_refuses_other_institutions_rows_and_unreadable_files(world, client_as) -> None:
    """A user writes only for their own institution; a file that is not what its name says
    is a 400 naming the file, never a 500."""
    lab = client_as("zibo_lab")
    foreign = lab.post(
        "/import/", {"kind": "instruments", "file": upload("s.csv", scales(world, "W-9"))}
    )
    assert foreign.status_code == 400
    assert "you may only import records of your own institution" in foreign.content.decode()
    for name, data, reason in (
        (
            "latin.csv",
            HEADER.encode() + "x,é,1,370303,trade\n".encode("latin-1"),
            "is not UTF-8 text",
        ),
        ("broken.xlsx", b"PK\x03\x04 not really a workbook", "is not a readable .xlsx workbook"),
        ("notes.txt", b"hello", "unsupported file type"),
    ):
        response = lab.post("/import/", {"kind": "instruments", "file": upload(name, data)})
        assert response.status_code == 400, name
        assert name in response.content.decode() and reason in response.content.decode()
    missing = lab.post("/import/", {"kind": "instruments"})
    assert missing.status_code == 400 and 'id="import-form-errors"' in missing.content.decode()
    assert not Instrument.objects.filter(serial_number__startswith="W-").exists()


def test_page_needs_a_login(client_as) -> None:
    response = client_as(None).get("/import/")
    assert response.status_code == 302 and "/login" in response["Location"]


def test_api_imports_xlsx_with_a_token_and_answers_400_with_rows(world, client_as) -> None:
    _, raw = ApiToken.issue(world.users["market"], "erp")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.strip().split(","))
    sheet.append([world.market.uscc, "电子计价秤", "X-1", "370303", "trade"])
    buffer = io.BytesIO()
    book.save(buffer)
    api = client_as(None)
    created = api.post(
        "/api/imports/instruments", {"file": upload("scales.xlsx", buffer.getvalue())}, **auth
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["kind"], body["created"]) == ("instruments", 1)
    assert Instrument.objects.get(pk=body["ids"][0]).serial_number == "X-1"

    bad = api.post(
        "/api/imports/instruments", {"file": upload("again.csv", scales(world, "X-1"))}, **auth
    )
    assert bad.status_code == 400
    assert bad.json()["errors"] == [
        {
            "file": "again.csv",
            "row": 2,
            "field": "serial_number",
            "reason": "'X-1' is already registered for this owner",
        }
    ]
    unknown = api.post("/api/imports/gauges", {"file": upload("a.csv", b"x\n1\n")}, **auth)
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["field"] == "kind"
    anonymous = api.post("/api/imports/instruments", {"file": upload("a.csv", scales(world, "Y"))})
    assert anonymous.status_code == 401
    assert Instrument.objects.filter(serial_number__in=["X-1", "Y"]).count() == 1


def test_upload_over_the_limit_is_refused_before_reading(world, monkeypatch) -> None:
    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 10)
    try:
        uploads.import_upload("certificates", upload("big.csv", b"x" * 11), world.users["admin"])
    except uploads.ImportRejected as exc:
        assert "the limit is 10" in str(exc)
    else:
        raise AssertionError("an upload over the limit was accepted")
    assert not Certificate.objects.filter(number="x").exists()
