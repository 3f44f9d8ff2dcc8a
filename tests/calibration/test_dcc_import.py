"""Importing DCCs: the XML-DSig state is recorded and shown; the number check leaks nothing.

Issue 12 §5: an imported DCC whose XML signature was broken was accepted silently. Issue 12 §1:
the import told whether a certificate number existed anywhere ("certificate number already
exists"). Signatures are made in the test with signxml and a key generated here; the trusted
signer certificates live in DATA_DIR/dcc_trusted_certificates.pem.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ValidationError
from lxml import etree
from signxml import methods
from signxml.signer import XMLSigner
from typer.testing import CliRunner

from tests.calibration.conftest import DCC_EXAMPLES

pytestmark = pytest.mark.django_db

VALID = (DCC_EXAMPLES / "valid.xml").read_bytes()
NUMBER = b"<dcc:uniqueIdentifier>1234</dcc:uniqueIdentifier>"


def _numbered(number: str, data: bytes = VALID) -> bytes:
    assert data.count(NUMBER) == 1
    return data.replace(NUMBER, f"<dcc:uniqueIdentifier>{number}</dcc:uniqueIdentifier>".encode())


@pytest.fixture
def kalibrierobjekt(lab: Any) -> Any:
    """The city's instrument with the serial of PTB's example item."""
    from jiliang.registry.models import Instrument

    return Instrument.objects.create(
        owner=lab.world.city,
        name="Kalibrierobjekt",
        quantity=lab.world.f1.quantity,
        division_code="370300",
        serial_number="string-manufacturer-item",
    )


@pytest.fixture(scope="module")
def signer() -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Calibration Lab GmbH"),
            x509.NameAttribute(NameOID.COMMON_NAME, "DCC signer"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _sign(data: bytes, signer: tuple[ec.EllipticCurvePrivateKey, x509.Certificate]) -> bytes:
    key, cert = signer
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    signed = XMLSigner(method=methods.enveloped, signature_algorithm="ecdsa-sha256").sign(
        etree.fromstring(data), key=pem, cert=[cert]
    )
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


def _trust(cert: x509.Certificate) -> None:
    path = Path(settings.DATA_DIR) / "dcc_trusted_certificates.pem"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def test_ptb_examples_record_untrusted_and_absent(lab: Any, kalibrierobjekt: Any) -> None:
    from jiliang.calibration import services

    signed = services.import_dcc(
        lab.recorder, (DCC_EXAMPLES / "valid_signature.xml").read_bytes(), "valid_signature.xml"
    )
    assert signed.dcc_signature.state == "untrusted"
    assert "O=PTB" in signed.dcc_signature.signer_subject
    assert len(signed.dcc_signature.key_fingerprint) == 64
    plain = services.import_dcc(lab.recorder, _numbered("PTB-PLAIN-1"), "valid.xml")
    assert plain.dcc_signature.state == "absent"
    assert plain.dcc_signature.signer_subject == ""


def test_trusted_signer_valid_one_changed_byte_invalid_removed_absent(
    lab: Any, kalibrierobjekt: Any, signer: Any
) -> None:
    from jiliang.calibration import services

    _trust(signer[1])
    good = _sign(_numbered("CAL-2026-0001"), signer)
    cert = services.import_dcc(lab.recorder, good, "good.xml")
    assert cert.dcc_signature.state == "valid"
    assert cert.dcc_signature.signer_subject == "CN=DCC signer,O=Calibration Lab GmbH"

    # one byte of a signed value changed (2022 → 2023 in a date): imported, marked invalid
    tampered_source = _sign(_numbered("CAL-2026-0002"), signer)
    marker = b"<dcc:endPerformanceDate>"
    at = tampered_source.index(marker) + len(marker) + 3
    tampered = tampered_source[:at] + bytes([tampered_source[at] ^ 1]) + tampered_source[at + 1 :]
    bad = services.import_dcc(lab.recorder, tampered, "tampered.xml")
    assert bad.dcc_signature.state == "invalid"
    assert "Digest mismatch" in bad.dcc_signature.reason

    start = good.index(b"<ds:Signature")
    end = good.index(b"</ds:Signature>") + len(b"</ds:Signature>")
    stripped = (good[:start] + good[end:]).replace(b"CAL-2026-0001", b"CAL-2026-0003")
    assert services.import_dcc(lab.recorder, stripped, "stripped.xml").dcc_signature.state == (
        "absent"
    )


def test_signature_state_is_shown_on_the_page_the_api_and_the_list(
    lab: Any, kalibrierobjekt: Any, signer: Any
) -> None:
    from django.test import Client

    from jiliang.calibration import services

    source = _sign(_numbered("CAL-2026-0010"), signer)
    tampered = source.replace(b"CAL-2026-0010", b"CAL-2026-0011")  # the number is signed too
    cert = services.import_dcc(lab.recorder, tampered, "t.xml")
    client = Client()
    client.force_login(lab.recorder)
    page = client.get(f"/certificates/{cert.pk}/").content.decode()
    assert "签名无效" in page
    client.cookies["django_language"] = "en"
    assert "Invalid signature" in client.get(f"/certificates/{cert.pk}/").content.decode()
    client.cookies["django_language"] = "zh-hans"
    assert cert.dcc_signature.key_fingerprint in page
    listing = client.get("/certificates/?q=CAL-2026-0011").content.decode()
    assert "XML 签名无效" in listing
    detail = client.get(f"/api/certificates/{cert.pk}").json()
    assert detail["xml_signature"]["state"] == "invalid"
    assert detail["xml_signature"]["signer_subject"] == "CN=DCC signer,O=Calibration Lab GmbH"
    from jiliang.registry.models import Certificate

    issued_here = Certificate.objects.get(number="ZB-2025-0001").pk
    own = client.get(f"/api/certificates/{issued_here}").json()
    assert own["xml_signature"] is None  # issued here, not imported


def test_cli_import_says_what_the_signature_is(
    lab: Any, kalibrierobjekt: Any, signer: Any, tmp_path: Path
) -> None:
    from jiliang.cli.main import app

    path = tmp_path / "signed.xml"
    path.write_bytes(_sign(_numbered("CAL-2026-0020"), signer))
    result = CliRunner().invoke(app, ["certificate", "import", str(path), "--user", "zibo_lab"])
    assert result.exit_code == 0, result.output
    flat = re.sub(r"\s+", " ", result.stdout)
    assert "XML signature: valid signature, untrusted key" in flat
    assert "CN=DCC signer" in flat


def _refusal(lab: Any, number: str) -> str:
    from jiliang.calibration import services

    with pytest.raises(ValidationError) as info:
        services.import_dcc(lab.recorder, _numbered(number), f"{number}.xml")
    return info.value.message_dict["number"][0]


def test_the_number_check_does_not_tell_whether_another_issuers_certificate_exists(
    lab: Any, kalibrierobjekt: Any
) -> None:
    from jiliang.registry.models import Certificate, Instrument

    world = lab.world
    taxi_meter = Instrument.objects.get(serial_number="TAXI-0001")
    Certificate.objects.create(
        number="110105-2025-000777",
        kind="verification",
        issuer=world.nim,
        instrument=taxi_meter,
        regulation="JJG 517-2016",
        calibration_date=dt.date(2025, 5, 1),
        issued_on=dt.date(2025, 5, 1),
        conclusion="pass",
    )
    visible = Certificate.objects.visible_to(lab.recorder)
    assert not visible.filter(number="110105-2025-000777").exists()
    exists_elsewhere = _refusal(lab, "110105-2025-000777")
    # A number of NIM's series (division code 110105) that no certificate has.
    only_a_series = _refusal(lab, "110105-2025-000778")
    assert exists_elsewhere.replace("000777", "N") == only_a_series.replace("000778", "N")
    assert "already exists" not in exists_elsewhere
    assert "not available" in exists_elsewhere
    # A number the importer may see is named as a duplicate.
    assert "already exists" in _refusal(lab, "ZB-2025-0001")
    assert not Certificate.objects.filter(number="110105-2025-000778").exists()


def test_reimporting_the_same_file_is_idempotent(lab: Any, kalibrierobjekt: Any) -> None:
    from jiliang.calibration import services

    data = _numbered("PTB-AGAIN-1")
    first = services.import_dcc(lab.recorder, data, "a.xml")
    assert services.import_dcc(lab.recorder, data, "a.xml") == first
    other_file = data + b"\n"  # same number, different bytes
    with pytest.raises(ValidationError) as info:
        services.import_dcc(lab.recorder, other_file, "b.xml")
    assert "already exists" in info.value.message_dict["number"][0]
