"""CSV and Excel exports of the impact list and the due list."""

from __future__ import annotations

import csv
import datetime as dt
import io

from openpyxl import load_workbook

from jiliang.registry import exports
from jiliang.registry.due_views import XLSX
from jiliang.registry.services import DueEntry
from jiliang.registry.traceability import ImpactRow


def test_impact_downloads_as_csv_and_excel(world, client_as) -> None:
    client = client_as("admin")
    url = f"/standards/{world.e2.pk}/impact/?on=2026-01-10"
    as_csv = client.get(url + "&format=csv")
    assert as_csv["Content-Type"].startswith("text/csv")
    assert 'filename="impact-' in as_csv["Content-Disposition"]
    assert as_csv.content.startswith("\ufeff".encode())  # BOM: Excel reads the UTF-8
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert rows[0] == list(exports.IMPACT_HEADER)
    assert [r[0] for r in rows[1:]] == ["SD-2025-0001", "ZB-2025-0001"]
    # SD-2025-0001: the F1 weight of the city institute, calibrated 2025-04-01 with SD-E2-001
    assert rows[1][1:] == [
        "2025-04-01",
        "2025-04-01",
        "F1 1 kg weight",
        "F1-1KG-01",
        "淄博市计量技术研究院",
        "SD-E2-001",
    ]
    as_xlsx = client.get(url + "&format=xlsx")
    assert as_xlsx["Content-Type"] == XLSX
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == list(exports.IMPACT_HEADER)
    assert values[2][0] == "ZB-2025-0001"
    assert values[2][2] == dt.datetime(2025, 9, 1)  # a real date cell, not text


def test_due_list_downloads_follow_the_filters(world, client_as) -> None:
    client = client_as("admin")
    as_csv = client.get("/due/?region=11&format=csv")
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert rows[0] == list(exports.DUE_HEADER)
    assert rows[1:] == [
        [
            "出租汽车计价器 Taximeter",
            "TAXI-0001",
            "北京某出租汽车公司",
            "110105",
            "",
            "未检 never verified",
        ]
    ]
    as_xlsx = client.get(f"/due/?owner={world.market.pk}&format=xlsx")
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[1][:5] == [
        "电子计价秤 Retail scale",
        "SCALE-0001",
        "淄博某农贸市场",
        "370303",
        dt.datetime(2026, 8, 31),
    ]
    assert values[1][5] == "超期 overdue"


def test_cells_that_would_be_formulas_are_neutralised() -> None:
    """OWASP CSV injection: a cell starting with = + - @ must not run as a formula."""
    row = ImpactRow(
        '=HYPERLINK("http://x")',
        dt.date(2025, 1, 2),
        dt.date(2025, 1, 1),
        "+cmd",
        "-1",
        "@SUM(A1)",
        0,
        "SD-E2-001",
    )
    text = exports.impact_csv([row]).decode("utf-8-sig")
    line = list(csv.reader(io.StringIO(text)))[1]
    assert line == [
        '\'=HYPERLINK("http://x")',
        "2025-01-02",
        "2025-01-01",
        "'+cmd",
        "'-1",
        "'@SUM(A1)",
        "SD-E2-001",
    ]
    sheet = load_workbook(io.BytesIO(exports.impact_xlsx([row]))).active
    assert sheet["A2"].value == '\'=HYPERLINK("http://x")'
    assert sheet["A2"].data_type == "s"


def test_empty_exports_have_the_header_only() -> None:
    assert exports.due_csv([]).decode("utf-8-sig").splitlines() == [",".join(exports.DUE_HEADER)]
    entry = DueEntry(1, "秤", "S1", "某市场", "370303", None, "never")
    rows = list(csv.reader(io.StringIO(exports.due_csv([entry]).decode("utf-8-sig"))))
    assert rows[1] == ["秤", "S1", "某市场", "370303", "", "未检 never verified"]
