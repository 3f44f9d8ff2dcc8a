"""One rule book for every write path (issue 12 §1): what the hostile probe wrote through the
import is refused by every path that writes registry rows — the service, the CLI, the
/import/ page, POST /api/imports/{kind}, POST /api/instruments — with the same message, and
nothing is written. Amendments: tests/registry/test_amendments.py and the series case here.

The world (tests/conftest.py): the city institute (淄博, 370300) holds ZB-F1-001, whose
equipment F1-1KG-01 was verified by the province on 2025-04-01, valid to 2026-03-31; its
metrologist REG-C1 is valid 2020-01-01 to 2030-01-01 for mass, C01, C02.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from typer.testing import CliRunner

from jiliang.calibration import services as calibration
from jiliang.cli.main import app
from jiliang.registry import importers, services
from jiliang.registry.models import Certificate, Institution, Instrument, Person
from tests.conftest import uscc

PATHS = ("service", "cli", "page", "api")
UNAVAILABLE = (
    "is not available: it is taken or lies in another issuer's numbering series (编号不可用)"
)


def _csv(rows: list[dict[str, str]]) -> bytes:
    header = list(dict.fromkeys(name for row in rows for name in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, header)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def write(path: str, world: Any, role: str, kind: str, rows: list[dict[str, str]], tmp: Any):
    """Write `rows` through one path as `role`: the reasons it refused them ([]: accepted)."""
    user = world.users[role]
    if path == "service":
        try:
            importers.import_rows(kind, rows, user, file="rows.csv")
        except importers.ImportRejected as exc:
            return [f"{e.field}: {e.reason}" for e in exc.errors]
        return []
    if path == "cli":
        file = tmp / "rows.csv"
        file.write_bytes(_csv(rows))
        result = CliRunner().invoke(
            app, ["import", kind, str(file), "--user", role], env={"COLUMNS": "10000"}
        )
        assert result.exit_code in (0, 1), result.output
        assert "Traceback" not in result.output
        if result.exit_code == 0:
            return []
        return [  # "rows.csv, row 2, field 'name': reason" → "name: reason"
            re.sub(r"^.*?, row \d+, field '(\w+)': ", r"\1: ", line)
            for line in result.stderr.splitlines()
        ]
    client = Client()
    client.force_login(user)
    upload = SimpleUploadedFile("rows.csv", _csv(rows), content_type="text/csv")
    if path == "page":
        response = client.post("/import/", {"kind": kind, "file": upload})
        assert response.status_code in (200, 400)
        body = html.unescape(response.content.decode())
        return [] if response.status_code == 200 else [body]
    if path == "api":
        response = client.post(f"/api/imports/{kind}", {"file": upload})
        assert response.status_code in (201, 400), response.content
        if response.status_code == 201:
            return []
        return [f"{e['field']}: {e['reason']}" for e in response.json()["errors"]]
    assert path == "api_create" and len(rows) == 1
    response = client.post("/api/instruments", json.dumps(rows[0]), content_type="application/json")
    assert response.status_code in (201, 400), response.content
    if response.status_code == 201:
        return []
    return [f"{e['field']}: {e['reason']}" for e in response.json()["errors"]]


def refused(reasons: list[str], field: str, reason: str) -> bool:
    """True when one of the reasons names the field and the reason (or a page shows both)."""
    return any(
        (f"{field}: {reason}" in r) or (field in r and reason in r and "<" in r) for r in reasons
    )


def instrument(world: Any, serial: str, **cells: str) -> dict[str, str]:
    row = {
        "owner_uscc": world.market.uscc,
        "name": "电子计价秤",
        "serial_number": serial,
        "division_code": "370303",
    }
    row.update(cells)
    return row


def certificate(world: Any, number: str, **cells: str) -> dict[str, str]:
    """The city institute's certificate of the market's scale (REG-C1, ZB-F1-001 in force)."""
    row = {
        "number": number,
        "kind": "verification",
        "issuer_uscc": world.city.uscc,
        "instrument_owner_uscc": world.market.uscc,
        "instrument_serial": "SCALE-0001",
        "regulation": "JJG 539-2016",
        "calibration_date": "2026-01-05",
        "issued_on": "2026-01-06",
        "valid_until": "2027-01-04",
        "conclusion": "pass",
        "standards": "ZB-F1-001",
        "verifier": "REG-C1",
    }
    row.update(cells)
    return row


# --- equipment: only an institution's own standards, only its own instruments ----------------


@pytest.mark.parametrize("path", [*PATHS, "api_create"])
def test_an_owner_cannot_make_its_instrument_equipment_of_a_laboratory_standard(
    world, tmp_path, path
) -> None:
    """The probe: the market named the national kilogram and the city's F1 weights."""
    usable_before = services.standard_problems(world.f1, dt.date(2026, 1, 1))
    for index, code in enumerate(("GJJ(力)0101", "ZB-F1-001", "NO-SUCH-STANDARD")):
        row = instrument(world, f"EVIL-{index}", part_of_standard=code)
        reasons = write(path, world, "market", "instruments", [row], tmp_path)
        # the same words whether the standard exists (another's) or not
        expected = f"no standard with code {code!r} held by the instrument's owner"
        assert refused(reasons, "part_of_standard", expected), reasons
    assert not Instrument.objects.filter(serial_number__startswith="EVIL-").exists()
    assert not world.primary.equipment.exists()
    assert list(world.f1.equipment.all()) == [world.f1_weight]
    assert services.standard_problems(world.f1, dt.date(2026, 1, 1)) == usable_before == []


@pytest.mark.parametrize("role", ["market", "taxi", "zibo_lab", "sd_lab", "admin"])
def test_every_role_makes_equipment_only_of_the_owner_s_own_standards(world, role) -> None:
    """The role matrix: a laboratory's own instrument may join its own standard; nobody's
    instrument joins another institution's standard, administrators included."""
    owner = {"taxi": world.taxi, "zibo_lab": world.city, "sd_lab": world.province}.get(
        role, world.market
    )
    row = instrument(
        world,
        "EQ-1",
        owner_uscc=owner.uscc,
        division_code=owner.division_code,
        part_of_standard="GJJ(力)0101",
    )
    with pytest.raises(importers.ImportRejected) as caught:
        importers.import_rows("instruments", [row], world.users[role])
    assert "held by the instrument's owner" in str(caught.value)
    assert not Instrument.objects.filter(serial_number="EQ-1").exists()


def test_a_laboratory_adds_its_own_instrument_to_its_own_standard(world) -> None:
    row = instrument(
        world,
        "F1-2KG-01",
        owner_uscc=world.city.uscc,
        division_code="370300",
        part_of_standard="ZB-F1-001",
    )
    result = importers.import_rows("instruments", [row], world.users["zibo_lab"])
    assert Instrument.objects.get(pk=result.ids[0]).part_of_standard == world.f1


# --- certificates: the issuer's own valid signatories and standards in force ------------------


@pytest.mark.parametrize("path", PATHS)
def test_a_certificate_names_only_the_issuer_s_own_metrologists_and_standards(
    world, tmp_path, path
) -> None:
    """The probe: the city named NIM's and the province's metrologists and the province's
    E2 standard. One message for another's metrologist and one who does not exist."""
    rows = [
        certificate(world, "ZB-2026-9001", verifier="REG-N1", checker="REG-P1"),
        certificate(world, "ZB-2026-9002", verifier="REG-NOBODY"),
        certificate(world, "ZB-2026-9003", standards="SD-E2-001"),
    ]
    reasons = write(path, world, "zibo_lab", "certificates", rows, tmp_path)
    for field, reason in (
        ("verifier", "no registered metrologist 'REG-N1' of the issuing institution"),
        ("checker", "no registered metrologist 'REG-P1' of the issuing institution"),
        ("verifier", "no registered metrologist 'REG-NOBODY' of the issuing institution"),
        ("standards", "standard SD-E2-001 is not held by the issuing institution"),
    ):
        assert refused(reasons, field, reason), (field, reasons)
    assert not Certificate.objects.filter(number__startswith="ZB-2026-900").exists()
    good = write(
        path, world, "zibo_lab", "certificates", [certificate(world, "ZB-2026-9004")], tmp_path
    )
    assert good == [] and Certificate.objects.get(number="ZB-2026-9004").verifier.name


def _expect_refused(world: Any, row: dict[str, str], field: str, reason: str) -> None:
    with pytest.raises(importers.ImportRejected) as caught:
        importers.import_rows("certificates", [row], world.users["zibo_lab"])
    found = [f"{e.field}: {e.reason}" for e in caught.value.errors]
    assert f"{field}: {reason}" in found, found
    assert not Certificate.objects.filter(number=row["number"]).exists()


def test_a_standard_whose_equipment_had_expired_on_the_calibration_date_is_refused(world) -> None:
    """F1-1KG-01's certificate SD-2025-0001 (2025-04-01, one year) expired 2026-03-31."""
    row = certificate(
        world,
        "ZB-2026-9010",
        calibration_date="2026-05-01",
        issued_on="2026-05-02",
        valid_until="2027-04-30",
    )
    _expect_refused(
        world,
        row,
        "standards",
        "ZB-F1-001: equipment F1-1KG-01: certificate SD-2025-0001 expired 2026-03-31",
    )


def test_signatories_follow_the_registration_rule(world) -> None:
    """Valid on the issue date, for the role, covering the item; three different persons;
    an external certificate names no registered metrologist."""

    def person(reg: str, **fields: Any) -> Person:
        values = {
            "institution": world.city,
            "name": reg,
            "registration_number": reg,
            "level": 2,
            "registration_scope": ["mass"],
            "valid_from": dt.date(2020, 1, 1),
            "valid_until": dt.date(2030, 1, 1),
            "roles": ["verifier", "checker"],
        }
        values.update(fields)
        return Person.objects.create(**values)

    person("REG-C-OLD", valid_until=dt.date(2025, 12, 31))
    person("REG-C-LEN", registration_scope=["length"])
    person("REG-C-CHK", roles=["checker"])
    _expect_refused(
        world,
        certificate(world, "ZB-2026-9020", verifier="REG-C-OLD"),
        "verifier",
        "registration REG-C-OLD of REG-C-OLD is not valid on 2026-01-06 "
        "(valid 2020-01-01 to 2025-12-31)",
    )
    _expect_refused(
        world,
        certificate(world, "ZB-2026-9021", verifier="REG-C-LEN"),
        "verifier",
        "registration scope of REG-C-LEN (length) does not cover mass / C01",
    )
    _expect_refused(
        world,
        certificate(world, "ZB-2026-9022", verifier="REG-C-CHK"),
        "verifier",
        "REG-C-CHK is not registered for the role verifier",
    )
    _expect_refused(
        world,
        certificate(world, "ZB-2026-9023", checker="REG-C1"),
        "checker",
        "the verifier already signs; a person signs in one role",
    )
    external = certificate(
        world,
        "PTB-2026-9024",
        issuer_uscc="",
        external_issuer="PTB",
        standards="",
        instrument_owner_uscc=world.market.uscc,
    )
    with pytest.raises(importers.ImportRejected) as caught:
        importers.import_rows("certificates", [external], world.users["market"])
    assert [(e.field, e.reason) for e in caught.value.errors] == [
        (
            "verifier",
            "an external certificate names no registered metrologist (外部证书不得填写注册计量师)",
        )
    ]


# --- the error does not tell what the user may not ask ---------------------------------------


@pytest.mark.parametrize("path", PATHS)
def test_an_invisible_instrument_reads_as_one_that_does_not_exist(world, tmp_path, path) -> None:
    """The city may not see the taxi company's taximeter: certifying it by import gets the
    same answer as certifying a serial number nobody has."""
    answers = []
    for serial in ("TAXI-0001", "TAXI-9999"):
        row = certificate(
            world,
            f"ZB-2026-{serial}",
            instrument_owner_uscc=world.taxi.uscc,
            instrument_serial=serial,
            verifier="",
            standards="",
        )
        reasons = write(path, world, "zibo_lab", "certificates", [row], tmp_path)
        expected = (
            f"no instrument {serial!r} of owner {world.taxi.uscc!r} that you may see (查无此器具)"
        )
        assert refused(reasons, "instrument_serial", expected), reasons
        answers.append([r.replace(serial, "SERIAL") for r in reasons])
    if path != "page":  # a page also echoes the file's own cells
        assert answers[0] == answers[1]
    assert not world.taxi_meter.certificates.exists()


# --- numbers: syntax, and never inside another issuer's series -------------------------------


BAD_NUMBERS = [
    ("ZB/2026/1", "contains '/'"),
    ("ZB-2026-1?x", "contains '?'"),
    ("ZB-2026#1", "contains '#'"),
    ("ZB-2026-1%", "contains '%'"),
    ("ZB\\2026", "contains '\\\\'"),
    (" ZB-2026-1", "leading, trailing or double space"),
    ("ZB-2026-1 ", "leading, trailing or double space"),
    ("ZB-2026\x001", "contains a NUL byte"),
    ("ZB-2026\x071", "contains the control character U+0007"),
    ("Z" * 61, "is 61 characters long; at most 60"),
]


@pytest.mark.parametrize(("number", "reason"), BAD_NUMBERS)
def test_certificate_numbers_follow_the_numbering_syntax(world, number, reason) -> None:
    with pytest.raises(importers.ImportRejected) as caught:
        importers.import_rows("certificates", [certificate(world, number)], world.users["zibo_lab"])
    assert [e.field for e in caught.value.errors] == ["number"]
    assert reason in caught.value.errors[0].reason
    assert not Certificate.objects.filter(issuer=world.city).exclude(pk=world.cert_scale.pk)


def test_good_numbers_of_any_script_pass(world) -> None:
    rows = [
        certificate(world, number, issued_on=f"2026-01-{6 + index:02d}")
        for index, number in enumerate(("〔2026〕淄计检字第0001号", "ZB-2026.01 (A)", "ZB_2026:2"))
    ]
    assert importers.import_rows("certificates", rows, world.users["zibo_lab"]).created == 3


def _province_certificate(world: Any, number: str) -> dict[str, str]:
    """The province certifying the city's F1 weight (it has worked on it)."""
    return {
        "number": number,
        "kind": "calibration",
        "issuer_uscc": world.province.uscc,
        "instrument_owner_uscc": world.city.uscc,
        "instrument_serial": "F1-1KG-01",
        "regulation": "JJF 1001",
        "calibration_date": "2026-03-01",
        "issued_on": "2026-03-02",
        "conclusion": "calibrated",
    }


def _next(institution: Institution, day: dt.date = dt.date(2026, 6, 1)) -> str:
    with transaction.atomic():
        return calibration._next_number(institution, day)


@pytest.mark.parametrize("path", PATHS)
def test_a_number_of_another_laboratory_s_series_is_refused_and_never_makes_it_skip(
    world, tmp_path, path
) -> None:
    """The probe: the province imported the next number of the city's series, and the city's
    next issued number skipped it."""
    calibration.configure_numbering(
        world.users["zibo_lab"], "ZBJL", "{institution_code}-{year}-{seq:06d}"
    )
    reasons = write(
        path,
        world,
        "sd_lab",
        "certificates",
        [_province_certificate(world, "ZBJL-2026-000001")],
        tmp_path,
    )
    assert refused(reasons, "number", f"'ZBJL-2026-000001' {UNAVAILABLE}"), reasons
    assert _next(world.city) == "ZBJL-2026-000001"


def test_a_laboratory_that_has_not_issued_yet_keeps_its_default_series(world) -> None:
    """The city has no series yet; its first number will be 370300-2026-000001."""
    with pytest.raises(importers.ImportRejected) as caught:
        importers.import_rows(
            "certificates",
            [_province_certificate(world, "370300-2026-000001")],
            world.users["sd_lab"],
        )
    assert caught.value.errors[0].reason == f"'370300-2026-000001' {UNAVAILABLE}"
    assert _next(world.city) == "370300-2026-000001"
    # its own numbers in its own series it may import (they are its own to skip)
    row = certificate(world, "370300-2026-000005")
    assert importers.import_rows("certificates", [row], world.users["zibo_lab"]).created == 1


def test_a_taken_number_reads_the_same_as_a_reserved_one_to_whom_cannot_see_it(world) -> None:
    """ZB-2025-0001 is the city's certificate of the market's scale: the province may not see
    it, so its refusal does not say that the certificate exists; the city is told it does."""
    with pytest.raises(importers.ImportRejected) as caught:
        importers.import_rows(
            "certificates", [_province_certificate(world, "ZB-2025-0001")], world.users["sd_lab"]
        )
    assert caught.value.errors[0].reason == f"'ZB-2025-0001' {UNAVAILABLE}"
    with pytest.raises(importers.ImportRejected) as own:
        importers.import_rows(
            "certificates", [certificate(world, "ZB-2025-0001")], world.users["zibo_lab"]
        )
    assert own.value.errors[0].reason == (
        "certificate 'ZB-2025-0001' already exists (certificates are immutable)"
    )


def test_an_amendment_may_not_take_a_number_of_another_series(world) -> None:
    calibration.configure_numbering(
        world.users["zibo_lab"], "ZBJL", "{institution_code}-{year}-{seq:06d}"
    )
    client = Client()
    client.force_login(world.users["sd_lab"])
    response = client.post(
        f"/api/certificates/{world.cert_f1.pk}/amendments",
        json.dumps({"number": "ZBJL-2026-000001", "issued_on": "2025-04-02"}),
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["errors"] == [
        {"field": "number", "reason": f"'ZBJL-2026-000001' {UNAVAILABLE}"}
    ]
    assert _next(world.city) == "ZBJL-2026-000001"


def _second_lab(world: Any) -> Institution:
    """A calibration laboratory in the same district as the city institute (370300)."""
    return Institution.objects.create(
        name_zh="淄博某校准实验室",
        kind="calibration_lab",
        division_code="370300",
        uscc=uscc("91370300MA0000099"),
    )


def test_two_laboratories_of_one_district_never_share_a_default_series(world) -> None:
    """The default code is the division code; the second laboratory to issue gets the
    division code and its organisation code (USCC characters 9-17), so neither skips."""
    other = _second_lab(world)
    assert _next(other) == "370300-2026-000001"
    # the city's USCC is 12370300400000030 + check: organisation code 400000030
    assert _next(world.city) == "370300-400000030-2026-000001"
    assert _next(other) == "370300-2026-000002"


def test_numbering_codes_and_patterns_never_overlap_another_s(world) -> None:
    from django.contrib.auth import get_user_model
    from django.core.exceptions import ValidationError

    calibration.configure_numbering(
        world.users["zibo_lab"], "ZBJL", "{institution_code}-{year}-{seq:06d}"
    )
    other = _second_lab(world)
    staff = get_user_model().objects.create_user(
        "other_lab", password="pw-test-123", institution=other, role="lab"
    )
    for code, pattern, field in (
        ("ZBJL", "{institution_code}-{seq}", "institution_code"),  # the same code
        ("ZBJ", "{institution_code}L-{year}-{seq:06d}", "pattern"),  # the city's numbers again
        ("ZBX", "{institution_code} & {seq}", "pattern"),  # numbers the syntax refuses
        ("ZBX", "{institution_code}  {seq}", "pattern"),
    ):
        with pytest.raises(ValidationError) as caught:
            calibration.configure_numbering(staff, code, pattern)
        assert list(caught.value.message_dict) == [field], (code, pattern)
    calibration.configure_numbering(staff, "ZBXX", "{institution_code}-{year}-{seq:06d}")
    assert _next(other) == "ZBXX-2026-000001"


# --- text: the same answer on SQLite and PostgreSQL, never a 500 ------------------------------


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("name", "秤" * 100_000, "is 100000 characters long; at most 120 (超出长度)"),
        ("serial_number", "S\x00-1", "contains a NUL byte (不允许控制字符)"),
        ("maker", "maker\x1b[31m", "contains the control character U+001B (不允许控制字符)"),
        ("location", "x\ud800", "contains the control character U+D800 (不允许控制字符)"),
    ],
)
def test_api_create_refuses_long_and_control_text_with_400(world, field, value, reason) -> None:
    client = Client()
    client.force_login(world.users["market"])
    body = {**instrument(world, "TEXT-1"), field: value}
    response = client.post("/api/instruments", json.dumps(body), content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert response.json()["errors"] == [{"field": field, "reason": reason}]
    assert not Instrument.objects.filter(owner=world.market).exclude(pk=world.scale.pk).exists()


@pytest.mark.parametrize("path", PATHS)
def test_every_import_path_checks_lengths_and_control_characters(world, tmp_path, path) -> None:
    rows = [
        instrument(world, "T" * 61),
        instrument(world, "T-2", location="lab\x1bfloor"),
    ]
    reasons = write(path, world, "market", "instruments", rows, tmp_path)
    assert refused(reasons, "serial_number", "is 61 characters long; at most 60"), reasons
    assert refused(reasons, "location", "contains the control character U+001B"), reasons
    assert not Instrument.objects.filter(owner=world.market).exclude(pk=world.scale.pk).exists()


def test_certificate_and_standard_imports_check_text_before_any_lookup(world) -> None:
    """A NUL in a looked-up cell (serial, signatory, standard code) is a row error, not a
    database error (PostgreSQL refuses NUL in text)."""
    for cells in (
        {"instrument_serial": "SCALE\x00-0001"},
        {"verifier": "REG\x00-C1"},
        {"standards": "ZB-F1\x00-001"},
        {"regulation": "J" * 41},
    ):
        row = certificate(world, "ZB-2026-9100", **cells)
        with pytest.raises(importers.ImportRejected) as caught:
            importers.import_rows("certificates", [row], world.users["zibo_lab"])
        [error] = caught.value.errors
        assert (error.field, error.row) == (next(iter(cells)), 2)
    standard = {
        "institution_uscc": world.city.uscc,
        "code": "ZB-M\x00-1",
        "name": "weights",
        "kind": "working",
        "quantity": "mass",
        "range_min": "0",
        "range_max": "1",
        "unit": "kg",
        "exam_certificate_number": "EX/1",
        "exam_issued_on": "2026-01-01",
    }
    with pytest.raises(importers.ImportRejected) as caught:
        importers.import_rows("standards", [standard], world.users["zibo_lab"])
    assert [e.field for e in caught.value.errors] == ["code"]
    standard["code"] = "ZB-M-1"
    with pytest.raises(importers.ImportRejected) as caught:
        importers.import_rows("standards", [standard], world.users["zibo_lab"])
    assert [(e.field, e.reason[:13]) for e in caught.value.errors] == [
        ("exam_certificate_number", "contains '/';")
    ]


# --- the admin's form is a write path too ----------------------------------------------------


def test_the_admin_form_applies_the_equipment_and_text_rules(world) -> None:
    client = Client()
    client.force_login(world.users["admin"])
    url = f"/admin/registry/instrument/{world.scale.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {name: "" if value is None else value for name, value in data.items()}
    for name, value, reason in (
        ("part_of_standard", str(world.primary.pk), "held by the instrument&#x27;s owner"),
        ("maker", "上海\x1b某衡器", "U+001B"),
    ):
        response = client.post(url, {**data, name: value})
        assert response.status_code == 200  # the form again, with the reason
        assert reason in response.content.decode()
    world.scale.refresh_from_db()
    assert (world.scale.part_of_standard, world.scale.maker) == (None, "上海某衡器")


# --- the role × write-endpoint matrix: every hostile write refused, nothing written -----------

ROLES = ["nim_lab", "sd_lab", "zibo_lab", "market", "taxi", "reg_zibo", "reg_bj", "admin", None]


def _hostile_writes(world: Any) -> list[tuple[str, str, Any]]:
    """(endpoint, kind of body, body): each names something the writer may not name."""
    evil_instrument = instrument(world, "EVIL-M", part_of_standard="GJJ(力)0101")
    foreign = certificate(world, "ZB-2026-9900", verifier="REG-N1", standards="SD-E2-001")
    return [
        ("/api/instruments", "json", evil_instrument),
        ("/api/imports/instruments", "file", [evil_instrument]),
        ("/api/imports/certificates", "file", [foreign]),
        ("/api/imports/certificates", "file", [certificate(world, "ZB/2026/9901")]),
        (
            f"/api/certificates/{world.cert_scale.pk}/amendments",
            "json",
            {"number": "ZB-2025-0001/A", "issued_on": "2025-09-20"},
        ),
        (
            f"/api/certificates/{world.cert_scale.pk}/amendments",
            "json",
            {"number": "ZB-2025-0001-A", "issued_on": "2025-09-20", "checker": "REG-P1"},
        ),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_every_role_is_refused_every_hostile_write(world, role) -> None:
    client = Client()
    if role is not None:
        client.force_login(world.users[role])
    counts = (Instrument.objects.count(), Certificate.objects.count())
    for endpoint, kind, body in _hostile_writes(world):
        if kind == "json":
            response = client.post(endpoint, json.dumps(body), content_type="application/json")
        else:
            upload = SimpleUploadedFile("rows.csv", _csv(body), content_type="text/csv")
            response = client.post(endpoint, {"file": upload})
        expected = {401} if role is None else {400, 403, 404}
        assert response.status_code in expected, (role, endpoint, response.content[:300])
        assert response.json()  # a JSON body, never an HTML error page
    assert (Instrument.objects.count(), Certificate.objects.count()) == counts


@pytest.mark.parametrize("path", PATHS)
def test_a_nul_byte_in_a_file_is_a_row_error_on_every_path(world, tmp_path, path) -> None:
    """PostgreSQL refuses NUL in text: a file carrying one in a looked-up cell (the serial
    number, looked up against the owner's register) must get its row error, not a 500."""
    rows = [instrument(world, "NUL\x00-1"), instrument(world, "OK-1", name="秤\x00")]
    reasons = write(path, world, "market", "instruments", rows, tmp_path)
    assert refused(reasons, "serial_number", "contains a NUL byte"), reasons
    assert refused(reasons, "name", "contains a NUL byte"), reasons
    assert not Instrument.objects.filter(owner=world.market).exclude(pk=world.scale.pk).exists()


def test_the_customers_page_refuses_control_characters_before_any_lookup(world) -> None:
    """The relation page looks institutions up by USCC and instruments by serial number: a
    NUL there is a 400 with the field, not a database error (PostgreSQL)."""
    lab, owner = Client(), Client()
    lab.force_login(world.users["zibo_lab"])
    owner.force_login(world.users["market"])
    asked = lab.post("/customers/", {"action": "request", "owner_uscc": "91\x00X"})
    given = owner.post(
        "/customers/",
        {"action": "grant", "lab_uscc": world.city.uscc, "serials": "SCALE-0001\nSCALE\x00-1"},
    )
    assert (asked.status_code, given.status_code) == (400, 400)
    assert "contains a NUL byte" in html.unescape(given.content.decode())


@pytest.mark.parametrize(
    "path",
    [
        "/api/instruments?q=a%00b",
        "/api/institutions?q=a%00b",
        "/api/certificates?q=a%1Bb",
        "/api/people?q=a%00b",
        "/api/standards?kind=a%00",
        "/api/materials?q=a%00b",
        "/api/instruments?region=3%007",
        "/api/institutions?kind=a%00",
        "/api/due?region=37%00",
        f"/api/instruments?q={'x' * 101}",
    ],
)
def test_search_texts_with_control_characters_are_422_on_both_backends(world, path) -> None:
    """PostgreSQL answered a NUL in a query parameter with a 500; the schema refuses it."""
    client = Client()
    client.force_login(world.users["admin"])
    response = client.get(path)
    assert response.status_code == 422, response.content[:200]
    assert response.json()["errors"][0]["field"].split(".")[-1] in ("q", "kind", "region")
