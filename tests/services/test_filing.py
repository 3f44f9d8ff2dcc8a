"""强检备案: the Excel template, all-or-nothing filing with file/row/field errors, booking
before the due date with an authorised laboratory, overdue -> re-filing."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from jiliang.registry.importers import ImportRejected
from jiliang.registry.models import Authorisation, Instrument
from jiliang.services import filing
from jiliang.services.models import FilingEntry
from jiliang.services.workflow import ServiceError
from tests.conftest import World

TODAY = dt.date(2025, 6, 2)


def _xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(filing.COLUMNS[:6])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _upload(user: Any, data: bytes, name: str = "ledger.xlsx") -> list[FilingEntry]:
    return filing.file_upload(user, name, [data], len(data), TODAY)


@pytest.fixture
def authorised_city(world: World) -> Any:
    return Authorisation.objects.create(
        institution=world.city,
        form="legal_institution",
        scope="强制检定",
        certificate_number="(鲁)法计(2022)TEST号",
        valid_from=dt.date(2022, 1, 1),
        valid_until=dt.date(2027, 1, 1),
    )


def test_template_has_the_columns() -> None:
    book = load_workbook(io.BytesIO(filing.template_bytes()))
    assert [c.value for c in book.worksheets[0][1]] == filing.COLUMNS
    assert book.worksheets[1].title == "说明"


def test_excel_filing_two_instruments(world: World) -> None:
    data = _xlsx(
        [
            ["电子计价秤", "XY-001", "C01", "trade", "370303", "摊位1"],
            ["电子计价秤", "XY-002", "C01", "trade", "370303", "摊位2"],
        ]
    )
    entries = _upload(world.users["market"], data)
    assert sorted(e.instrument.serial_number for e in entries) == ["XY-001", "XY-002"]
    assert all(e.owner == world.market and e.filed_on == TODAY for e in entries)
    # never verified: due at the filing day + the 15-day booking lead (kinds.yaml)
    assert filing.status(entries[0], TODAY).due == dt.date(2025, 6, 17)
    assert filing.status(entries[0], TODAY).state == "book_now"


def test_errors_name_file_row_field_and_nothing_is_filed(world: World) -> None:
    data = _xlsx(
        [
            ["电子计价秤", "XY-010", "C01", "trade", "370303", ""],
            ["砝码", "XY-011", "C02", "other", "370303", ""],  # weights: V for trade only
            ["", "XY-012", "C99", "trade", "370303", ""],
        ]
    )
    with pytest.raises(ImportRejected) as caught:
        _upload(world.users["market"], data)
    found = {(e.file, e.row, e.field) for e in caught.value.errors}
    assert ("ledger.xlsx", 3, "use_area") in found
    assert ("ledger.xlsx", 4, "name") in found
    assert ("ledger.xlsx", 4, "category") in found
    assert not Instrument.objects.filter(serial_number__startswith="XY-01").exists()
    # a serial already registered for this owner: the registry's own rule, row 2
    again = _xlsx([["电子计价秤", "SCALE-0001", "C01", "trade", "370303", ""]])
    with pytest.raises(ImportRejected) as caught:
        _upload(world.users["market"], again)
    assert [(e.row, e.field) for e in caught.value.errors] == [(2, "serial_number")]
    assert FilingEntry.objects.count() == 0


def test_bad_files(world: World) -> None:
    with pytest.raises(ImportRejected, match="unsupported file type"):
        _upload(world.users["market"], b"hello", "ledger.txt")
    with pytest.raises(ImportRejected, match="readable"):
        _upload(world.users["market"], b"PK\x03\x04 broken", "ledger.xlsx")
    with pytest.raises(ServiceError):
        filing.file_rows(world.users["reg_zibo"], [{"name": "x"}], "form", TODAY)


def test_booking_rules(world: World, authorised_city: Any) -> None:
    (entry,) = filing.file_rows(
        world.users["market"],
        [
            {
                "name": "电子计价秤",
                "serial_number": "B-1",
                "category": "C01",
                "use_area": "trade",
                "division_code": "370303",
            }
        ],
        "form",
        TODAY,
    )
    market = world.users["market"]
    due = filing.status(entry, TODAY).due  # 2025-06-17
    with pytest.raises(ServiceError, match="授权"):  # the province holds no authorisation here
        filing.book(market, entry, world.province.pk, due, TODAY)
    with pytest.raises(ServiceError, match="之间"):
        filing.book(market, entry, world.city.pk, due + dt.timedelta(days=1), TODAY)
    with pytest.raises(ServiceError, match="本单位"):
        filing.book(world.users["taxi"], entry, world.city.pk, due, TODAY)
    filing.book(market, entry, world.city.pk, dt.date(2025, 6, 10), TODAY)
    entry.refresh_from_db()
    assert filing.status(entry, TODAY).state == "booked"
    assert entry.booked_lab == world.city


def test_overdue_needs_refiling(world: World, authorised_city: Any) -> None:
    (entry,) = filing.file_rows(
        world.users["market"],
        [
            {
                "name": "电子计价秤",
                "serial_number": "O-1",
                "category": "C01",
                "use_area": "trade",
                "division_code": "370303",
            }
        ],
        "form",
        TODAY,
    )
    later = TODAY + dt.timedelta(days=16)  # one day past the due date 2025-06-17
    assert filing.status(entry, later).state == "overdue"
    with pytest.raises(ServiceError, match="重新备案"):
        filing.book(world.users["market"], entry, world.city.pk, later, later)
    filing.refile(world.users["market"], entry, later)
    entry.refresh_from_db()
    assert filing.status(entry, later).due == later + dt.timedelta(days=15)
    filing.book(world.users["market"], entry, world.city.pk, later + dt.timedelta(days=3), later)
