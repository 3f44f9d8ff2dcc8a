"""Public certificate check (证书查验): by number and check code (page and API), by the QR
code's URL, and by uploading a PDF or DCC; anonymous, rate limited, revealing only what the
printed certificate shows."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from tests.check.conftest import pdf_urls

pytestmark = pytest.mark.django_db

API = "/api/check"


def expected_code(settings: Any, number: str) -> str:
    """The code by the documented rule: HMAC-SHA256(key, number), base32, first 8 characters;
    the key is the hex in DATA_DIR/keys/check-code.key."""
    key = bytes.fromhex((Path(settings.DATA_DIR) / "keys" / "check-code.key").read_text().strip())
    mac = hmac.new(key, number.encode(), hashlib.sha256).digest()
    return base64.b32encode(mac).decode()[:8]


def code_of(settings: Any, certificate: Any) -> str:
    from jiliang.calibration.models import IssuedDocument

    # The key exists once a PDF was issued (the PDF prints the code).
    assert IssuedDocument.objects.filter(certificate=certificate, format="pdf").exists()
    return expected_code(settings, certificate.number)


def pdf_bytes(certificate: Any) -> bytes:
    from jiliang.calibration.models import IssuedDocument

    return bytes(IssuedDocument.objects.get(certificate=certificate, format="pdf").content)


def test_check_by_number_and_code_page_and_api(issued: Any, settings: Any) -> None:
    code = code_of(settings, issued)
    client = Client()
    page = client.get("/check/", {"number": issued.number, "code": code})
    assert page.status_code == 200
    html = page.content.decode()
    for text in (issued.number, "淄博市计量技术研究院", "SCALE-0001", "ACS-15", "JJG 539-2016",
                 "2025-12-01", "2026-11-30", "合格", "有效 Valid"):  # fmt: skip
        assert text in html, text
    assert 'id="check-log" class="ok"' in html and "Verified: entry" in html

    body = client.get(API, {"number": issued.number, "code": code.lower()}).json()
    assert body["found"] is True and body["state"] == "valid"
    cert = body["certificate"]
    assert (cert["number"], cert["serial_number"], cert["model"]) == (
        issued.number, "SCALE-0001", "ACS-15",
    )  # fmt: skip
    assert (cert["calibration_date"], cert["valid_until"], cert["conclusion"]) == (
        "2025-12-01", "2026-11-30", "pass",
    )  # fmt: skip
    from jiliang.ledger.models import LogEntry

    entry = LogEntry.objects.get(record_type="certificate.issued", subject=issued.number)
    assert body["log"]["verified"] is True
    assert body["log"]["leaf_index"] == entry.leaf_index
    assert body["log"]["tree_size"] == LogEntry.objects.count()
    posted = client.post(
        API, {"number": issued.number, "code": code}, content_type="application/json"
    )
    assert posted.status_code == 200 and posted.json() == body


def test_code_typed_as_people_type_it(issued: Any, settings: Any) -> None:
    code = code_of(settings, issued)
    spaced = f" {code[:4].lower()}-{code[4:]} "
    assert Client().get(API, {"number": issued.number, "code": spaced}).status_code == 200


def test_wrong_code_and_unknown_number_answer_alike(issued: Any, settings: Any) -> None:
    code = code_of(settings, issued)
    wrong = ("A" if code[0] != "A" else "B") + code[1:]
    client = Client()
    answers = []
    for number, typed in ((issued.number, wrong), ("ZB-2099-999999", code), ("x" * 500, code),
                          ("ZB\x00", code), (issued.number, "")):  # fmt: skip
        api = client.get(API, {"number": number, "code": typed})
        answers.append((api.status_code, api.content))
    assert {a for a in answers} == {answers[0]}
    assert answers[0][0] == 404
    assert "No certificate matches this number and check code" in answers[0][1].decode()
    pages = []
    for number, typed in ((issued.number, wrong), ("ZB-2099-999999", code)):
        page = client.get("/check/", {"number": number, "code": typed})
        html = page.content.decode().replace(number, "N").replace(typed, "C")
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)  # random per page
        html = re.sub(r'name="next" value="[^"]*"', "", html)  # this page's own URL
        pages.append((page.status_code, html))
    assert pages[0] == pages[1] and pages[0][0] == 404


def test_rate_limit_answers_429_with_retry_after(issued: Any, settings: Any) -> None:
    settings.JILIANG_CHECK_RATE = (3, 600)
    code = code_of(settings, issued)
    client = Client(REMOTE_ADDR="198.51.100.7")
    for _ in range(3):
        assert client.get(API, {"number": issued.number, "code": code}).status_code == 200
    refused = client.get(API, {"number": issued.number, "code": code})
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 600
    assert "Too many checks" in refused.json()["detail"]
    page = client.get("/check/", {"number": issued.number, "code": code})
    assert page.status_code == 429 and page["Retry-After"]
    upload = client.post(f"{API}/file", {"file": _named(pdf_bytes(issued), "c.pdf")})
    assert upload.status_code == 429
    # another address is not held back
    other = Client(REMOTE_ADDR="198.51.100.8")
    assert other.get(API, {"number": issued.number, "code": code}).status_code == 200


def test_substituted_certificate_shows_its_substitute(issued: Any, lab: Any, settings: Any) -> None:
    from jiliang.registry.amendments import issue_amendment

    new = issue_amendment(
        issued, lab.approver, number=issued.number + "-S", amendment="substitutes",
        changes={"valid_until": dt.date(2026, 10, 31)},
    )  # fmt: skip
    body = Client().get(API, {"number": issued.number, "code": code_of(settings, issued)}).json()
    assert (body["state"], body["substitute"]) == ("substituted", new.number)
    html = Client().get("/check/", {"number": issued.number, "code": code_of(settings, issued)})
    assert f"Substituted by {new.number}" in html.content.decode()
    # the substitute itself is valid
    again = Client().get(API, {"number": new.number, "code": expected_code(settings, new.number)})
    assert again.json()["state"] == "valid"


def test_amended_certificate_shows_the_amendment(issued: Any, lab: Any, settings: Any) -> None:
    from jiliang.registry.amendments import issue_amendment

    new = issue_amendment(issued, lab.approver, number=issued.number + "-A", amendment="amends")
    body = Client().get(API, {"number": issued.number, "code": code_of(settings, issued)}).json()
    assert (body["state"], body["substitute"]) == ("amended", new.number)


def test_recalled_certificate_shows_recalled(issued: Any, lab: Any, settings: Any) -> None:
    from jiliang.calibration import services

    recall = services.open_recall(lab.recorder, lab.world.f1, dt.date(2026, 1, 10), "F1 drift")
    assert recall.items.filter(certificate=issued).exists()
    body = Client().get(API, {"number": issued.number, "code": code_of(settings, issued)}).json()
    assert body["state"] == "recalled" and "Recalled" in body["state_label"]


def test_expired_certificate(issued: Any, settings: Any, monkeypatch: Any) -> None:
    from jiliang.calibration import check

    state = check.state_of(issued, today=dt.date(2026, 12, 1))  # valid until 2026-11-30
    assert state.code == "expired"
    assert check.state_of(issued, today=dt.date(2026, 11, 30)).code == "valid"


def test_qr_code_of_the_issued_pdf_opens_the_check_page(
    issued: Any, settings: Any, tmp_path: Path
) -> None:
    data = pdf_bytes(issued)
    code = code_of(settings, issued)
    urls = sorted({u for u in pdf_urls(data, tmp_path) if "/check/" in u})  # one per box
    assert urls == [f"https://jiliang.example.cn/check/?number={issued.number}&code={code}"]
    parts = urlsplit(urls[0])
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    page = Client().get(parts.path, query)
    assert page.status_code == 200 and "有效 Valid" in page.content.decode()
    import subprocess

    (tmp_path / "c.pdf").write_bytes(data)
    text = subprocess.run(["pdftotext", str(tmp_path / "c.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    assert code in text  # printed next to the QR code
    assert text.count("\f") == 2  # the QR fits on the cover: still cover + results page


def _named(data: bytes, name: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def test_genuine_pdf_upload(issued: Any) -> None:
    data = pdf_bytes(issued)
    api = Client().post(f"{API}/file", {"file": _named(data, "cert.pdf")})
    assert api.status_code == 200
    body = api.json()
    assert body["genuine"] is True and body["reasons"] == []
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert body["check"]["certificate"]["number"] == issued.number
    assert any("Signature verifies" in n for n in body["notes"])
    page = Client().post("/check/", {"file": _named(data, "cert.pdf")})
    assert page.status_code == 200 and 'id="file-genuine"' in page.content.decode()


def test_one_byte_changed_is_refused_with_the_reason(issued: Any) -> None:
    data = bytearray(pdf_bytes(issued))
    data[10] ^= 0x01  # inside the binary comment of line 2: still a readable PDF
    body = Client().post(f"{API}/file", {"file": _named(bytes(data), "cert.pdf")}).json()
    assert body["genuine"] is False
    (reason,) = body["reasons"]
    assert "not a document the platform issued" in reason
    assert f"certificate {issued.number}" in reason and "first difference at byte 10" in reason
    page = Client().post("/check/", {"file": _named(bytes(data), "cert.pdf")})
    html = page.content.decode()
    assert 'id="file-refused"' in html and "first difference at byte 10" in html


def test_tampered_pdf_with_its_signature_file_says_signature_does_not_verify(issued: Any) -> None:
    from jiliang.calibration.models import IssuedDocument

    doc = IssuedDocument.objects.get(certificate=issued, format="pdf")
    data = bytearray(bytes(doc.content))
    data[10] ^= 0x01
    form = {
        "file": _named(bytes(data), "c.pdf"),
        "signature": _named(doc.signature.encode(), "c.pdf.sig"),
    }
    reasons = Client().post(f"{API}/file", form).json()["reasons"]
    assert any("Signature does not verify" in r and "file altered" in r for r in reasons)


def test_unknown_pdf_names_no_certificate(issued: Any) -> None:
    body = Client().post(f"{API}/file", {"file": _named(b"%PDF-1.7\nnothing", "x.pdf")}).json()
    assert body["genuine"] is False
    assert body["reasons"][0].endswith("no issued PDF has SHA-256 "
                                       + hashlib.sha256(b"%PDF-1.7\nnothing").hexdigest())  # fmt: skip


def test_dcc_upload_is_checked(issued: Any, settings: Any) -> None:
    from jiliang.calibration.models import IssuedDocument

    xml = bytes(IssuedDocument.objects.get(certificate=issued, format="dcc").content)
    body = Client().post(f"{API}/file", {"file": _named(xml, "cert.xml")}).json()
    assert body["kind"] == "dcc" and body["genuine"] is True
    assert any("No XML signature" in n for n in body["notes"])
    changed = xml.replace(b"SCALE-0001", b"SCALE-0002", 1)
    assert changed != xml
    anonymous = Client().post(f"{API}/file", {"file": _named(changed, "c.xml")}).json()
    assert anonymous["genuine"] is False and "no issued DCC has SHA-256" in anonymous["reasons"][0]
    form = {"file": _named(changed, "c.xml"), "code": code_of(settings, issued)}
    named = Client().post(f"{API}/file", form).json()
    assert f"the DCC of certificate {issued.number}, differs" in named["reasons"][0]


def test_dcc_with_a_dtd_is_refused_safely(issued: Any) -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xx">]><a>&x;</a>'
    body = Client().post(f"{API}/file", {"file": _named(bomb, "bomb.xml")}).json()
    assert body["genuine"] is False and "refused" in body["reasons"][0]


@pytest.mark.parametrize(
    ("data", "status", "words"),
    [
        (b"%PDF-" + b"0" * (16 * 1024 * 1024), 413, "File too large"),
        (b"GIF89a....", 400, "neither a PDF nor a DCC"),
        (b"", 400, "empty"),
    ],
)
def test_bad_uploads_answer_4xx_with_a_message(
    issued: Any, data: bytes, status: int, words: str
) -> None:
    api = Client().post(f"{API}/file", {"file": _named(data, "f.pdf")})
    assert api.status_code == status and words in api.json()["detail"]
    page = Client().post("/check/", {"file": _named(data, "f.pdf")})
    assert page.status_code == status and words in page.content.decode()


def test_page_without_a_file_or_query(db: Any) -> None:
    assert Client().get("/check/").status_code == 200
    assert Client().post("/check/", {}).status_code == 400


def test_reveals_no_field_the_printed_certificate_lacks(issued: Any, settings: Any) -> None:
    from jiliang.calibration.models import Observation

    assert (
        '"error"'
        not in Client()
        .get(API, {"number": issued.number, "code": code_of(settings, issued)})
        .content.decode()
    )
    code = code_of(settings, issued)
    body = Client().get(API, {"number": issued.number, "code": code}).json()
    assert set(body["certificate"]) == {
        "number", "kind", "kind_label", "issuer", "issuer_en", "instrument_name",
        "serial_number", "model", "regulation", "calibration_date", "issued_on",
        "valid_until", "conclusion", "conclusion_label", "accuracy_class",
    }  # fmt: skip
    html = Client().get("/check/", {"number": issued.number, "code": code}).content.decode()
    world = issued.instrument.owner
    hidden = [world.name_zh, world.uscc, "city checker", "city approver", "REG-C-checker",
              issued.instrument.location or "\x00"]  # fmt: skip
    assert Observation.objects.filter(job__certificate=issued).exists()
    hidden += ["误差", "测量点", "Error", "uncertainty", "扩展不确定度"]  # no results
    for text in hidden:
        assert text not in html, text


def test_log_not_verified_when_the_checkpoint_signature_fails(issued: Any, settings: Any) -> None:
    """A checkpoint of the right size whose signature is not the log key's (the log is
    append-only, so the forged one is added, and it is the newest)."""
    from jiliang.ledger import services as ledger
    from jiliang.ledger.models import SignedCheckpoint

    cp = ledger.latest_checkpoint()
    body, _, signatures = cp.note.partition("\n\n")
    line = signatures.splitlines()[0]
    name, sig = line.rsplit(" ", 1)
    raw = bytearray(base64.b64decode(sig))
    raw[-1] ^= 0x01  # key id kept, signature bytes changed
    forged = f"{body}\n\n{name} {base64.b64encode(bytes(raw)).decode()}\n"
    SignedCheckpoint.objects.create(size=cp.size, root_hash=cp.root_hash, note=forged)
    answer = Client().get(API, {"number": issued.number, "code": code_of(settings, issued)})
    log = answer.json()["log"]
    assert log["verified"] is False and "checkpoint" in log["message"]
    page = Client().get("/check/", {"number": issued.number, "code": code_of(settings, issued)})
    assert 'id="check-log" class="bad"' in page.content.decode()


def test_log_not_verified_when_the_register_differs_from_the_log(
    issued: Any, settings: Any
) -> None:
    from jiliang.registry.models import Certificate

    Certificate.objects.filter(pk=issued.pk).update(valid_until=dt.date(2030, 1, 1))
    log = Client().get(API, {"number": issued.number, "code": code_of(settings, issued)}).json()
    assert log["log"]["verified"] is False
    assert log["log"]["message"].endswith("differs from the logged record: valid_until")


def test_anonymous_visitor_finds_the_check_page(db: Any) -> None:
    home = Client().get("/").content.decode()
    assert home.count('href="/check/"') == 2  # the header and the home page
    assert Client().get("/check/").status_code == 200


def test_forwarded_header_does_not_dodge_the_limit(issued: Any, settings: Any) -> None:
    """Served directly (no proxy), X-Forwarded-For is the client's own text and is ignored;
    behind one proxy, the hop that proxy appended (the last) is the address."""
    settings.JILIANG_CHECK_RATE = (2, 600)
    settings.AXES_IPWARE_PROXY_COUNT = 0
    code = code_of(settings, issued)
    client = Client(REMOTE_ADDR="203.0.113.9")
    statuses = [
        client.get(
            API, {"number": issued.number, "code": code}, HTTP_X_FORWARDED_FOR=f"10.0.0.{i}"
        ).status_code
        for i in range(3)
    ]
    assert statuses == [200, 200, 429]
    settings.AXES_IPWARE_PROXY_COUNT = 1
    proxy = Client(REMOTE_ADDR="127.0.0.1")
    hops = ["1.1.1.1, 192.0.2.1", "2.2.2.2, 192.0.2.1", "3.3.3.3, 192.0.2.1"]
    statuses = [
        proxy.get(API, {"number": issued.number, "code": code}, HTTP_X_FORWARDED_FOR=h).status_code
        for h in hops
    ]
    assert statuses == [200, 200, 429]  # the forged first hops change nothing
    other = proxy.get(
        API, {"number": issued.number, "code": code}, HTTP_X_FORWARDED_FOR="192.0.2.2"
    )
    assert other.status_code == 200


def test_the_api_document_declares_the_check_answers(db: Any) -> None:
    from jiliang.api import api

    paths = api.get_openapi_schema()["paths"]
    get = paths["/api/check"]["get"]
    assert {"200", "404", "429"} <= set(map(str, get["responses"]))
    upload = paths["/api/check/file"]["post"]
    assert {"200", "400", "413", "429"} <= set(map(str, upload["responses"]))
    assert {} in get["security"]  # anonymous


def test_check_code_is_stable_and_its_key_is_private(issued: Any, settings: Any) -> None:
    import stat

    from jiliang.calibration import check

    path = Path(settings.DATA_DIR) / "keys" / "check-code.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert check.check_code(issued.number) == check.check_code(issued.number)
    assert re.fullmatch(r"[A-Z2-7]{8}", check.check_code(issued.number))
    assert check.normalise_code(" ab0-1c8d ") == "ABOICBD"


def test_a_pdf_whose_streams_inflate_enormously_is_read_within_the_budget(issued: Any) -> None:
    """64 MiB of zeros in one FlateDecode stream (64 kB compressed) and a thousand more small
    ones: the search for the check URL inflates at most 32 MiB and answers 'not issued'."""
    import time
    import zlib

    bomb = zlib.compress(b"\0" * (64 * 1024 * 1024), 9)
    small = b"".join(b"1 0 obj <<>> stream\n" + zlib.compress(b"x") + b"\nendstream\n"
                     for _ in range(1000))  # fmt: skip
    data = b"%PDF-1.7\n1 0 obj <<>> stream\n" + bomb + b"\nendstream\n" + small + b"%%EOF"
    started = time.perf_counter()
    body = Client().post(f"{API}/file", {"file": _named(data, "bomb.pdf")}).json()
    assert time.perf_counter() - started < 10
    assert body["genuine"] is False and "no issued PDF has SHA-256" in body["reasons"][0]
