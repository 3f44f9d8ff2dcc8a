"""Issued files: the PDF (rendered by weasyprint, checked as page images and as text), the DCC
(valid against the PTB DCC 3.3.0 XSD in ../shared), DCC import of the PTB examples, and the
Ed25519 detached signatures checked offline by `jiliang certificate verify`."""

from __future__ import annotations

import hashlib
import re
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from typer.testing import CliRunner

from tests.calibration.conftest import DCC_EXAMPLES, SHARED, ready_job

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(lab: Any) -> Any:
    """The city lab's F1 weights carry a signed certificate file of their own (so the scale's
    DCC can name its SHA-256), then the scale is verified and issued."""
    from jiliang.calibration import services
    from jiliang.calibration.models import IssuedDocument

    own = b"%PDF-1.7 certificate SD-2025-0001 of the F1 weights"
    IssuedDocument.objects.create(
        certificate=lab.world.cert_f1,
        format="pdf",
        content=own,
        sha256=hashlib.sha256(own).hexdigest(),
        signature="{}",
    )
    job = ready_job(lab)
    services.sign(job, lab.recorder)
    services.sign(job, lab.checker)
    services.sign(job, lab.approver)
    job.refresh_from_db()
    return job


def _write(tmp_path: Path, job: Any, fmt: str) -> tuple[Path, Path]:
    from jiliang.calibration import services

    doc = services.document(job.certificate, fmt)
    path = tmp_path / f"cert.{'xml' if fmt == 'dcc' else 'pdf'}"
    path.write_bytes(bytes(doc.content))
    sig = path.with_name(path.name + ".sig")
    sig.write_text(doc.signature)
    return path, sig


def test_pdf_pages_and_text(issued: Any, tmp_path: Path) -> None:
    pdf, _ = _write(tmp_path, issued, "pdf")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    number = issued.certificate.number
    pages = text.count("\f")
    assert pages == 2  # cover + results page
    for page in range(1, pages + 1):
        assert re.search(rf"第\s*{page}\s*页\s*共\s*{pages}\s*页", text), page
    assert text.count(number) >= 3  # cover and the running header of every page
    compact = re.sub(r"\s+", "", text)  # letter-spacing splits CJK words in the text layer
    for needle in (
        "检定证书",
        "淄博市计量技术研究院",
        "(鲁)法计(2024)03001号",
        "SCALE-0001",
        "ACS-15",
        "上海某衡器",
        "合格",
        "JJG 539-2016",
        "ZB-F1-001",
        "SD-2025-0001",
        "EX-ZB-F1-001",
        "temperature",
        "以下空白",
        "city checker",
        "city approver",
        "2026年11月30日",
    ):
        assert needle.replace(" ", "") in compact, needle
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == pages
    from matplotlib.image import imread

    for image in images:
        pixels = imread(str(image))
        assert pixels.shape[0] > pixels.shape[1]  # A4 portrait
        ink = (pixels[..., :3].mean(axis=2) < 0.5).mean()
        assert 0.005 < ink < 0.3, (image.name, ink)  # printed, not blank, not black


def test_english_pdf_on_request(lab: Any, tmp_path: Path) -> None:
    from jiliang.calibration import services

    job = ready_job(lab, english=True)
    for user in (lab.recorder, lab.checker, lab.approver):
        services.sign(job, user)
    job.refresh_from_db()
    pdf, _ = _write(tmp_path, job, "pdf")
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "VerificationCertificate" in re.sub(r"\s+", "", text)
    assert re.search(r"Page\s*1\s*of\s*2", text)


def test_dcc_is_valid_against_the_xsd_and_names_the_standards_hash(issued: Any) -> None:
    from jiliang import dcc
    from jiliang.calibration import services

    xml = bytes(services.document(issued.certificate, "dcc").content)
    root = dcc.parse_xml(xml, "export")
    assert dcc.schema_issues(root, SHARED / "schemas" / "dcc") == ()
    parsed = dcc.parse_dcc(xml, "export", SHARED / "schemas" / "dcc")
    assert parsed.number == issued.certificate.number
    (equipment,) = parsed.equipment
    expected = hashlib.sha256(b"%PDF-1.7 certificate SD-2025-0001 of the F1 weights").hexdigest()
    assert (equipment.certificate_number, equipment.certificate_sha256) == (
        "SD-2025-0001",
        expected,
    )
    assert len(parsed.results) == 5
    assert {r.state for r in parsed.results} == {"asFound"}
    first = parsed.results[0]
    error = next(q for q in first.quantities if q.ref_type == "basic_measurementError")
    assert error.uncertainty is not None and error.uncertainty.coverage_probability == Decimal(
        "0.95"
    )
    # U = 1.96 × √((0.05·5)² + 0.05²)/√3 = 0.2885 g, rounded to two significant digits
    # (GUM 7.2.6)
    assert error.uncertainty.value == Decimal("0.29")
    assert first.conformity is not None and first.conformity.statement == "pass"
    roles = [p.role or "" for p in parsed.resp_persons]
    assert [r.split()[0] for r in roles] == ["verifier", "checker", "approver"]


@pytest.mark.parametrize("name", ["valid.xml", "valid_bom.xml", "valid_signature.xml"])
def test_example_dccs_import_as_external_links(lab: Any, name: str) -> None:
    from jiliang.calibration import services
    from jiliang.registry import traceability
    from jiliang.registry.models import Instrument

    world = lab.world
    instrument = Instrument.objects.create(
        owner=world.city,
        name="Kalibrierobjekt",
        quantity=world.f1.quantity,
        division_code="370300",
        serial_number="string-manufacturer-item",
    )
    data = (DCC_EXAMPLES / name).read_bytes()
    cert = services.import_dcc(lab.recorder, data, name)
    assert cert.issuer is None
    assert cert.external_issuer == "Kalibrierfirma GmbH"
    assert cert.instrument == instrument
    assert cert.external_document_sha256 == hashlib.sha256(data).hexdigest()
    assert services.import_dcc(lab.recorder, data, name) == cert  # idempotent
    node = traceability.trace_up(instrument, cert.calibration_date).root
    assert node.external.startswith("Kalibrierfirma GmbH")


def test_schema_invalid_dcc_is_rejected_with_the_validator_messages(lab: Any) -> None:
    from jiliang.calibration import services
    from jiliang.registry.models import Certificate

    before = Certificate.objects.count()
    data = (DCC_EXAMPLES / "invalid" / "invalid_schema.xml").read_bytes()
    with pytest.raises(ValidationError) as info:
        services.import_dcc(lab.recorder, data, "invalid_schema.xml")
    assert len(info.value.message_dict["file"]) == 2  # the README: invalid, 2 errors
    assert Certificate.objects.count() == before


def _pem(tmp_path: Path, institution_id: int) -> Path:
    from jiliang.calibration import keys

    path = tmp_path / f"key-{institution_id}.pem"
    path.write_bytes(keys.public_key_pem(institution_id))
    return path


@pytest.mark.parametrize("fmt", ["pdf", "dcc"])
def test_verify_accepts_the_original_and_names_what_is_wrong(
    issued: Any, tmp_path: Path, fmt: str
) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from jiliang.cli.main import app

    runner = CliRunner()
    path, sig = _write(tmp_path, issued, fmt)
    key = _pem(tmp_path, issued.lab_id)
    ok = runner.invoke(app, ["certificate", "verify", str(path), "--public-key", str(key)])
    assert ok.exit_code == 0, ok.output
    assert "OK" in ok.output
    tampered = tmp_path / f"tampered.{path.suffix}"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    tampered.write_bytes(bytes(data))
    bad = runner.invoke(
        app,
        ["certificate", "verify", str(tampered), "--signature", str(sig), "--public-key", str(key)],
    )
    assert bad.exit_code == 1
    assert "file altered" in bad.output
    other = tmp_path / "other.pem"
    other.write_bytes(
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    wrong = runner.invoke(app, ["certificate", "verify", str(path), "--public-key", str(other)])
    assert wrong.exit_code == 1
    assert "wrong or unknown key" in wrong.output
    missing = runner.invoke(
        app, ["certificate", "verify", str(path), "--public-key", str(tmp_path / "nope.pem")]
    )
    assert missing.exit_code == 2


def test_private_key_is_created_0600_outside_the_repo(issued: Any, settings: Any) -> None:
    key_files = list((Path(settings.DATA_DIR) / "keys").glob("*.pem"))
    assert len(key_files) == 1
    assert key_files[0].stat().st_mode & 0o777 == 0o600


def test_cli_export_and_import(issued: Any, tmp_path: Path) -> None:
    from jiliang.cli.main import app
    from jiliang.registry.models import Instrument

    runner = CliRunner()
    number = issued.certificate.number
    out = tmp_path / "c.xml"
    result = runner.invoke(
        app,
        [
            "certificate",
            "export",
            number,
            "--format",
            "dcc",
            "--output",
            str(out),
            "--user",
            "market",
        ],
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"<?xml")
    assert (tmp_path / "c.xml.sig").exists()
    denied = runner.invoke(
        app,
        [
            "certificate",
            "export",
            number,
            "--format",
            "pdf",
            "--output",
            str(out),
            "--user",
            "taxi",
        ],
    )
    assert denied.exit_code == 2
    assert "visible to you" in denied.output
    Instrument.objects.create(
        owner=issued.lab,
        name="Kalibrierobjekt",
        division_code="370300",
        serial_number="string-manufacturer-item",
    )
    imported = runner.invoke(
        app, ["certificate", "import", str(DCC_EXAMPLES / "valid.xml"), "--user", "zibo_lab"]
    )
    assert imported.exit_code == 0, imported.output
    assert "Kalibrierfirma GmbH" in imported.output
    rejected = runner.invoke(
        app,
        [
            "certificate",
            "import",
            str(DCC_EXAMPLES / "invalid" / "demo_cert.xml"),
            "--user",
            "zibo_lab",
        ],
    )
    assert rejected.exit_code == 1
