"""All-or-nothing import: a bad row anywhere means nothing is written, with file/row/field/reason."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from openpyxl import Workbook

from jiliang.accounts.audit import history
from jiliang.accounts.models import BulkCreation, ChangeRecord
from jiliang.registry import importers
from jiliang.registry.models import (
    Certificate,
    ExaminationCertificate,
    Instrument,
    MeasurementStandard,
)
from tests.csvfiles import CERTIFICATE_HEADER, scale_certificate, write_csv

INSTRUMENT_HEADER = [
    "owner_uscc",
    "name",
    "serial_number",
    "division_code",
    "category",
    "use_area",
    "range_min",
    "range_max",
    "unit",
    "mpe",
]


def scale_rows(world: Any, n: int) -> list[list[Any]]:
    return [
        [
            world.market.uscc,
            "电子计价秤",
            f"S-{i:04d}",
            "370303",
            "C01",
            "trade",
            0.04,
            15,
            "kg",
            0.01,
        ]
        for i in range(n)
    ]


def test_good_csv_imports_with_change_records(world, tmp_path) -> None:
    path = write_csv(tmp_path / "scales.csv", INSTRUMENT_HEADER, scale_rows(world, 25))
    calls: list[int] = []
    result = importers.import_file(
        path, "instruments", world.users["market"], progress=calls.append
    )
    assert result.created == 25 and sum(calls) == 25
    assert Instrument.objects.filter(owner=world.market).count() == 26
    # One bulk creation records the import (who, when, which file), not 25 change records...
    creation = BulkCreation.objects.get()
    assert (creation.user, creation.model, creation.source, creation.count) == (
        world.users["market"],
        "registry.instrument",
        "scales.csv",
        25,
    )
    imported = [str(pk) for pk in result.ids]
    assert not ChangeRecord.objects.filter(
        model="registry.instrument", object_id__in=imported
    ).exists()
    # ...and every imported instrument's change log still shows its creation, with its values
    # and the file row it came from (the header is row 1).
    for serial_index in (0, 13, 24):
        made = Instrument.objects.get(owner=world.market, serial_number=f"S-{serial_index:04d}")
        [created] = history("registry.instrument", made.pk)
        assert (created.action, created.user, created.before) == (
            "create",
            world.users["market"],
            None,
        )
        assert created.after["serial_number"] == made.serial_number
        assert created.after["id"] == made.pk and created.after["range_max"] == 15.0
        assert created.source == f"scales.csv, row {serial_index + 2}"


def test_one_bad_row_imports_nothing_and_names_every_error(world, tmp_path) -> None:
    rows = scale_rows(world, 10)
    rows[3][3] = "990303"  # no such province
    rows[6][8 - 1] = "lots"  # range_max not a number
    rows[8][2] = "S-0001"  # repeats row 3 (file row numbers start at 2)
    rows[9][4] = "C99"
    path = write_csv(tmp_path / "bad.csv", INSTRUMENT_HEADER, rows)
    before = Instrument.objects.count()
    with pytest.raises(importers.ImportRejected) as caught:
        importers.import_file(path, "instruments", world.users["market"])
    messages = [str(e) for e in caught.value.errors]
    assert messages == [
        "bad.csv, row 5, field 'division_code': 99 is not a province-level code of GB/T 2260",
        "bad.csv, row 8, field 'range_max': 'lots' is not a number",
        "bad.csv, row 10, field 'serial_number': 'S-0001' repeats row 3",
        "bad.csv, row 11, field 'category': 'C99' is not a catalogue item number",
    ]
    assert Instrument.objects.count() == before
    assert not BulkCreation.objects.exists()  # nor is the import recorded


def test_missing_column_and_empty_file(world, tmp_path) -> None:
    path = write_csv(tmp_path / "cols.csv", ["owner_uscc", "name"], [[world.market.uscc, "x"]])
    with pytest.raises(importers.ImportRejected, match="serial_number"):
        importers.import_file(path, "instruments", world.users["market"])
    empty = write_csv(tmp_path / "empty.csv", INSTRUMENT_HEADER, [])
    with pytest.raises(importers.ImportRejected, match="no data rows"):
        importers.import_file(empty, "instruments", world.users["market"])
    other = tmp_path / "x.json"
    other.write_text("{}")
    with pytest.raises(importers.ImportRejected, match="unsupported file type"):
        importers.import_file(other, "instruments", world.users["market"])


def test_cannot_import_for_another_institution(world, tmp_path) -> None:
    path = write_csv(tmp_path / "s.csv", INSTRUMENT_HEADER, scale_rows(world, 2))
    with pytest.raises(importers.ImportRejected, match="your own institution"):
        importers.import_file(path, "instruments", world.users["taxi"])


def test_xlsx_import(world, tmp_path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(INSTRUMENT_HEADER)
    for row in scale_rows(world, 3):
        sheet.append(row)
    book.save(tmp_path / "scales.xlsx")
    result = importers.import_file(tmp_path / "scales.xlsx", "instruments", world.users["market"])
    assert result.created == 3


def test_standards_with_examination_certificate_validity_from_rule(world, tmp_path) -> None:
    header = [
        "institution_uscc",
        "code",
        "name",
        "kind",
        "quantity",
        "range_min",
        "range_max",
        "unit",
        "expanded_uncertainty",
        "exam_certificate_number",
        "exam_issued_on",
    ]
    path = write_csv(
        tmp_path / "std.csv",
        header,
        [
            [
                world.city.uscc,
                "ZB-M1-001",
                "M1 weights",
                "social_public",
                "mass",
                0.001,
                50,
                "kg",
                0.00005,
                "[2025]鲁量标淄证字第001号",
                "2025-02-01",
            ],
        ],
    )
    importers.import_file(path, "standards", world.users["zibo_lab"])
    exam = ExaminationCertificate.objects.get(standard__code="ZB-M1-001")
    assert str(exam.valid_until) == "2029-01-31"
    bad = write_csv(
        tmp_path / "bad.csv",
        header,
        [
            [world.city.uscc, "GJJ(X)01", "p", "national_primary", "mass", 1, 1, "kg", "", "", ""],
        ],
    )
    with pytest.raises(importers.ImportRejected, match="not a primary standard code"):
        importers.import_file(bad, "standards", world.users["admin"])
    assert not MeasurementStandard.objects.filter(code="GJJ(X)01").exists()


def test_certificates_import_links_standards_and_rejects_inconsistency(world, tmp_path) -> None:
    header = CERTIFICATE_HEADER
    ok = [scale_certificate(world, "ZB-2026-0001")]
    importers.import_file(
        write_csv(tmp_path / "ok.csv", header, ok), "certificates", world.users["zibo_lab"]
    )
    assert list(
        Certificate.objects.get(number="ZB-2026-0001").standards_used.values_list("code", flat=True)
    ) == ["ZB-F1-001"]
    bad = [
        [
            "ZB-2026-0001",
            "verification",
            world.city.uscc,
            world.market.uscc,
            "SCALE-0001",
            "JJG 539-2016",
            "2026-01-05",
            "2026-01-04",
            "",
            "pass",
            "NOPE",
        ],
        [
            "ZB-2026-0002",
            "notice",
            world.city.uscc,
            world.market.uscc,
            "SCALE-9999",
            "JJG 539-2016",
            "2026-13-01",
            "2026-01-06",
            "",
            "pass",
            "",
        ],
    ]
    with pytest.raises(importers.ImportRejected) as caught:
        importers.import_file(
            write_csv(tmp_path / "bad.csv", header, bad), "certificates", world.users["zibo_lab"]
        )
    fields = [(e.row, e.field) for e in caught.value.errors]
    assert fields == [
        (2, "number"),
        (2, "issued_on"),
        (2, "standards"),
        (3, "instrument_serial"),
        (3, "calibration_date"),
        (3, "conclusion"),
    ]
    assert not Certificate.objects.filter(number="ZB-2026-0002").exists()


def test_raw_write_path_stores_what_the_orm_reads_back(world, tmp_path) -> None:
    """The importer writes with executemany/COPY (jiliang.dbutil); every value, id and change
    record must read back through the ORM exactly as typed in the file."""
    path = write_csv(tmp_path / "scales.csv", INSTRUMENT_HEADER, scale_rows(world, 3))
    result = importers.import_file(path, "instruments", world.users["market"])
    made = list(Instrument.objects.filter(pk__in=result.ids).order_by("serial_number"))
    assert [i.serial_number for i in made] == ["S-0000", "S-0001", "S-0002"]
    first = made[0]
    assert (first.owner_id, first.division_code, first.use_area) == (
        world.market.pk,
        "370303",
        "trade",
    )
    assert (first.range_min, first.range_max, first.unit, first.mpe) == (0.04, 15.0, "kg", 0.01)
    assert first.due_date is None  # no certificate yet
    [record] = history("registry.instrument", first.pk)
    assert record.after["serial_number"] == "S-0000" and record.after["id"] == first.pk
    assert record.user == world.users["market"] and record.before is None
    assert record.after["due_date"] is None and record.after["quantity_id"] is None
    # A later ORM insert gets a fresh id above the imported ones (sequence kept in step).
    later = Instrument.objects.create(
        owner=world.market, name="秤", serial_number="S-LATER", division_code="370303"
    )
    assert later.pk > max(result.ids)


def test_certificate_file_reports_each_problem_of_each_row_in_order(world, tmp_path) -> None:
    """Every check of a certificate row, on a file where each row breaks a different rule;
    problems come row by row, in column order within a row, with the file's row numbers."""
    header = [*CERTIFICATE_HEADER, "external_issuer", "materials", "verifier", "checker"]
    city, market = world.city.uscc, world.market.uscc

    def row(number: str, **cells: str) -> list[str]:
        values = {
            "number": number,
            "kind": "verification",
            "issuer_uscc": city,
            "instrument_owner_uscc": market,
            "instrument_serial": "SCALE-0001",
            "regulation": "JJG 539-2016",
            "calibration_date": "2026-01-05",
            "issued_on": "2026-01-06",
            "valid_until": "2027-01-04",
            "conclusion": "pass",
            "standards": "ZB-F1-001",
            "external_issuer": "",
            "materials": "",
            "verifier": "REG-C1",
            "checker": "",
        }
        values.update(cells)
        return [values[name] for name in header]

    rows = [
        row("ZB-2026-0100"),  # row 2: good
        row("ZB-2026-0100", kind="inspection"),  # row 3
        row("", conclusion="fail"),  # row 4
        row("ZB-2026-0101", issuer_uscc="", external_issuer=""),  # row 5
        row("ZB-2026-0102", issuer_uscc="", external_issuer="PTB", verifier="", standards=""),
        row("ZB-2026-0103", instrument_serial="SCALE-4040", valid_until="2025-13-01"),  # 7
        row("ZB-2026-0104", standards="ZB-F1-001; NOPE-1;NOPE-2", materials="GBW(E)000000"),
        row("ZB-2026-0100", verifier="REG-NOBODY", checker="", calibration_date=""),  # row 9
        row("ZB-2025-0001", issuer_uscc="91110000000000000X"),  # row 10: issued, unknown
    ]
    with pytest.raises(importers.ImportRejected) as caught:
        importers.import_file(
            write_csv(tmp_path / "certs.csv", header, rows), "certificates", world.users["zibo_lab"]
        )
    assert [str(e) for e in caught.value.errors] == [
        "certs.csv, row 3, field 'number': 'ZB-2026-0100' repeats row 2",
        "certs.csv, row 3, field 'kind': 'inspection' is not one of verification, notice,"
        " calibration",
        "certs.csv, row 4, field 'number': is required",
        "certs.csv, row 4, field 'conclusion': a verification certificate records a pass",
        "certs.csv, row 5, field 'issuer_uscc': give issuer_uscc or external_issuer",
        "certs.csv, row 6, field 'external_issuer': external certificates may only be imported"
        " for your own instruments",
        "certs.csv, row 7, field 'instrument_serial': no instrument 'SCALE-4040' of owner"
        f" {market!r} that you may see (查无此器具)",
        "certs.csv, row 7, field 'valid_until': '2025-13-01' is not a date (YYYY-MM-DD)",
        "certs.csv, row 8, field 'standards': no standard with code 'NOPE-1'",
        "certs.csv, row 8, field 'standards': no standard with code 'NOPE-2'",
        "certs.csv, row 8, field 'materials': no reference material 'GBW(E)000000'",
        "certs.csv, row 9, field 'number': 'ZB-2026-0100' repeats row 3",
        "certs.csv, row 9, field 'calibration_date': is required",
        "certs.csv, row 9, field 'verifier': no registered metrologist 'REG-NOBODY' of the"
        " issuing institution",
        "certs.csv, row 10, field 'number': certificate 'ZB-2025-0001' already exists"
        " (certificates are immutable)",
        "certs.csv, row 10, field 'issuer_uscc': no institution with code '91110000000000000X'",
    ]
    assert not Certificate.objects.filter(number__startswith="ZB-2026-01").exists()


def test_certificate_rows_without_optional_columns_import(world) -> None:
    """Rows given as dicts may leave out optional columns, each row its own."""
    base = {
        "kind": "verification",
        "issuer_uscc": world.city.uscc,
        "instrument_owner_uscc": world.market.uscc,
        "instrument_serial": "SCALE-0001",
        "regulation": "JJG 539-2016",
        "calibration_date": "2026-01-05",
        "issued_on": "2026-01-06",
        "conclusion": "pass",
    }
    rows = [
        {**base, "number": "ZB-2026-0200", "valid_until": "2027-01-04", "verifier": "REG-C1"},
        {**base, "number": "ZB-2026-0201", "standards": "ZB-F1-001"},
    ]
    result = importers.import_rows("certificates", rows, world.users["zibo_lab"])
    assert result.created == 2
    first, second = Certificate.objects.filter(pk__in=result.ids).order_by("number")
    assert (first.valid_until, first.verifier.registration_number) == (
        dt.date(2027, 1, 4),
        "REG-C1",
    )
    assert (second.valid_until, second.verifier) == (None, None)
    assert list(second.standards_used.values_list("code", flat=True)) == ["ZB-F1-001"]
    assert not first.standards_used.exists()
