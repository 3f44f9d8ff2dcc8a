"""What is appended: issued certificates (with the standards used), bulk imports, and every
status event of a measurement standard. And `ledger prove` output that the offline verifier
(which needs only the public key, the record and the proof) accepts."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from django.db import transaction
from typer.testing import CliRunner

from jiliang.cli.main import app
from jiliang.ledger import services
from jiliang.ledger.models import LogEntry
from jiliang.registry import importers
from jiliang.registry.models import Certificate, ExaminationCertificate
from jiliang.trust import KeyRing, verify_record_offline
from tests.csvfiles import CERTIFICATE_HEADER, scale_certificate, write_csv

runner = CliRunner()


def _types() -> list[str]:
    return list(LogEntry.objects.order_by("leaf_index").values_list("record_type", flat=True))


def _body(entry: LogEntry) -> dict:
    return json.loads(entry.record)["body"]


def test_certificate_logged_after_commit_with_its_standards(
    logged_world, django_capture_on_commit_callbacks
) -> None:
    w = logged_world
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        cert = Certificate.objects.create(
            number="ZB-2026-0100",
            kind="verification",
            issuer=w.city,
            instrument=w.scale,
            regulation="JJG 539-2016",
            calibration_date=dt.date(2026, 5, 1),
            issued_on=dt.date(2026, 5, 2),
            valid_until=dt.date(2027, 4, 30),
            conclusion="pass",
            verifier=w.people["city"],
        )
        cert.use_standards(w.f1)
    entry = LogEntry.objects.get(subject="ZB-2026-0100")
    body = _body(entry)
    assert entry.record_type == "certificate.issued"
    assert body["standards_used"] == ["ZB-F1-001"]
    assert body["instrument"]["owner"] == w.market.uscc
    assert body["verifier"] == "REG-C1"
    # The leaf hash is SHA-256(0x00 || canonical record bytes) (RFC 9162 2.1.1).
    assert bytes(entry.leaf_hash) == hashlib.sha256(b"\x00" + entry.record.encode()).digest()
    # Logging again (a retried callback, the catch-up) does not duplicate it.
    from jiliang.ledger.records import log_certificates, sync_certificates

    assert log_certificates([cert.pk]) == [None]
    assert sync_certificates() == 0


def test_standards_changed_after_logging_is_logged(
    logged_world, django_capture_on_commit_callbacks
) -> None:
    cert = logged_world.cert_scale
    with django_capture_on_commit_callbacks(execute=True):
        cert.use_standards(logged_world.e2)
    entry = LogEntry.objects.order_by("-leaf_index").first()
    assert entry.record_type == "certificate.standards_changed"
    assert _body(entry)["standards_used"] == ["SD-E2-001", "ZB-F1-001"]


def test_bulk_import_is_logged_through_certificates_imported(
    logged_world, tmp_path, django_capture_on_commit_callbacks
) -> None:
    w = logged_world
    path = tmp_path / "certs.csv"
    rows = [scale_certificate(w, f"ZB-2026-{i:04d}") for i in range(1, 4)]
    write_csv(path, CERTIFICATE_HEADER, rows)
    with django_capture_on_commit_callbacks(execute=True):
        importers.import_file(path, "certificates", w.users["zibo_lab"])
    logged = LogEntry.objects.filter(subject__startswith="ZB-2026-").order_by("leaf_index")
    assert [e.subject for e in logged] == ["ZB-2026-0001", "ZB-2026-0002", "ZB-2026-0003"]
    assert all(_body(e)["standards_used"] == ["ZB-F1-001"] for e in logged)


def test_standard_status_events_are_logged(logged_world) -> None:
    w = logged_world
    # The fixture granted the two examination certificates.
    assert _types()[:2] == ["standard.examination_granted"] * 2
    ExaminationCertificate.objects.create(
        standard=w.f1,
        number="EX-ZB-F1-001-R1",
        issued_on=dt.date(2029, 4, 1),
        valid_until=dt.date(2034, 3, 31),
    )
    exam = ExaminationCertificate.objects.get(number="EX-SD-E2-001")
    exam.revoked_on = dt.date(2026, 5, 20)
    exam.save()
    w.f1.status = "nonconforming"
    w.f1.nonconforming_since = dt.date(2026, 5, 21)
    w.f1.save()
    w.f1.status = "in_service"
    w.f1.save()
    assert _types()[-4:] == [
        "standard.examination_renewed",
        "standard.examination_revoked",
        "standard.found_nonconforming",
        "standard.status_changed",
    ]
    last = LogEntry.objects.order_by("-leaf_index")[:4]
    revoked, nonconforming = _body(last[2]), _body(last[1])
    assert revoked["revoked_on"] == "2026-05-20" and revoked["standard"] == "SD-E2-001"
    assert nonconforming["nonconforming_since"] == "2026-05-21"
    assert nonconforming["institution"] == w.city.uscc
    # Saving without a status change logs nothing.
    w.f1.name = "renamed"
    w.f1.save()
    assert LogEntry.objects.count() == 9


def test_prove_output_is_accepted_by_the_offline_verifier(logged_world, tmp_path) -> None:
    out = tmp_path / "bundle"
    result = runner.invoke(app, ["ledger", "prove", "ZB-2025-0001", "--out", str(out)])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert json.loads(doc["record"])["body"]["number"] == "ZB-2025-0001"
    # The outsider's side: only the public key list, the record and the proof.
    keys = runner.invoke(app, ["ledger", "keys"]).output
    (tmp_path / "keys.json").write_text(keys)
    ring = KeyRing.from_json(keys)
    report = verify_record_offline(doc["record"], json.dumps(doc["proof"]), doc["checkpoint"], ring)
    assert report.ok, report.checks
    check = runner.invoke(
        app,
        [
            "ledger",
            "verify-proof",
            "-k",
            str(tmp_path / "keys.json"),
            "--record",
            str(out / "record.json"),
            "--proof",
            str(out / "proof.json"),
            "--checkpoint",
            str(out / "checkpoint.txt"),
            "--origin",
            "jiliang.local/ledger",
        ],
    )
    assert check.exit_code == 0 and "VERIFIED" in check.output
    # A record altered after the fact does not verify.
    (out / "record.json").write_text(doc["record"].replace('"pass"', '"fail"'))
    check = runner.invoke(
        app,
        [
            "ledger",
            "verify-proof",
            "-k",
            str(tmp_path / "keys.json"),
            "--record",
            str(out / "record.json"),
            "--proof",
            str(out / "proof.json"),
            "--checkpoint",
            str(out / "checkpoint.txt"),
        ],
    )
    assert check.exit_code == 1 and "FAIL inclusion" in check.output


def test_prove_by_index_and_unknown_record(logged_world) -> None:
    result = runner.invoke(app, ["ledger", "prove", "0"])
    assert result.exit_code == 0
    assert json.loads(result.output)["leaf_index"] == 0
    result = runner.invoke(app, ["ledger", "prove", "NO-SUCH-CERT"])
    assert result.exit_code == 2 and "no log entry 'NO-SUCH-CERT'" in result.output


def test_key_is_generated_once_into_the_data_dir_with_mode_0600(logged_world, settings) -> None:
    services.sign_checkpoint_now()
    path = settings.DATA_DIR / "keys" / "log.key"
    assert path.stat().st_mode & 0o777 == 0o600
    first = path.read_text()
    services.sign_checkpoint_now()
    assert path.read_text() == first
    assert "PRIVATE+KEY" not in runner.invoke(app, ["ledger", "keys"]).output


def test_imported_standards_log_their_examination_certificates(
    logged_world, tmp_path, django_capture_on_commit_callbacks
) -> None:
    """Bulk imports bypass post_save; the registry's standards_imported signal is logged."""
    world = logged_world
    path = tmp_path / "std.csv"
    path.write_text(
        "institution_uscc,code,name,kind,quantity,range_min,range_max,unit,"
        "exam_certificate_number,exam_issued_on\n"
        f"{world.city.uscc},ZB-M1-009,M1 weights,social_public,mass,0.001,50,kg,"
        "EX-IMPORT-1,2025-02-01\n",
        encoding="utf-8",
    )
    with django_capture_on_commit_callbacks(execute=True):
        importers.import_file(path, "standards", world.users["zibo_lab"])
    granted = [
        e
        for e in LogEntry.objects.filter(record_type="standard.examination_granted")
        if "EX-IMPORT-1" in e.record
    ]
    assert len(granted) == 1
