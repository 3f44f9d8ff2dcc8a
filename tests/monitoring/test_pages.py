"""Pages: dashboards, region view, reports, manual upload; who sees what."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.monitoring.readings import one_day, send
from tests.monitoring.site import Site

DAY = dt.date(2026, 5, 1)


def block(html: str, name: str) -> Any:
    """The JSON of a json_script block."""
    return json.loads(html.split(f'id="{name}" type="application/json">')[1].split("</script>")[0])


def client_for(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_user_dashboard_shows_figures_and_meters_due(site: Site) -> None:
    send(site.users["alu"], "day-1", one_day(DAY))
    page = client_for(site.users["alu"]).get("/energy/users/NM-ALU-01/")
    assert page.status_code == 200
    html = page.content.decode()
    figures = block(html, "energy-figures")
    # the window ends on the last upload's day and starts no earlier than the first
    assert figures["from"] == figures["to"] == "2026-05-01" and len(figures["days"]) == 1
    assert figures["daily"]["electricity"][-1] == pytest.approx(1920.0)
    # load: 0.2 register units × 100 per 15 min = 20 kWh per 0.25 h = 80 kW, 96 periods
    assert len(figures["load"]["kw"]) == 96
    assert figures["load"]["kw"] == pytest.approx([80.0] * 96)
    due = {m["point"]: m["state"] for m in figures["meters_due"]}
    assert due["GAS"] == "unregistered" and due["E-LINE"] == "overdue"
    assert "jiliang/vendor/plotly.min.js" in html and "<script>" not in html


def test_index_sends_enterprise_to_its_dashboard_and_regulator_to_region(site: Site) -> None:
    assert (
        client_for(site.users["alu"])
        .get("/energy/")["Location"]
        .endswith("/energy/users/NM-ALU-01/")
    )
    assert client_for(site.users["reg_nm"]).get("/energy/")["Location"].endswith("/energy/region/")


def test_region_view_ranks_and_alerts_missing_uploads(site: Site) -> None:
    send(site.users["alu"], "day-1", one_day(DAY))
    page = client_for(site.users["reg_nm"]).get("/energy/region/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "包头测试铝业" in html
    assert 'id="energy-alerts"' in html  # the newest reading (2026-05-02 00:00) is old
    rank = block(html, "energy-rank")
    assert rank["tce"] == [pytest.approx(1.401696)]  # test_accounts: 1.401696 tce


def test_other_enterprise_and_anonymous_see_nothing(site: Site) -> None:
    assert client_for(site.users["other"]).get("/energy/users/NM-ALU-01/").status_code == 404
    assert Client().get("/energy/users/NM-ALU-01/").status_code == 302  # to the login
    region = client_for(site.users["other"]).get("/energy/region/").content.decode()
    assert "包头测试铝业" not in region


def test_issue_report_from_the_page_and_download_files(site: Site) -> None:
    send(site.users["alu"], "day-1", one_day(DAY))
    client = client_for(site.users["alu"])
    answer = client.post(
        "/energy/users/NM-ALU-01/reports/", {"period": "month", "start": "2026-05-01"}
    )
    assert answer.status_code == 302
    page = client.get(answer["Location"])
    assert "签名有效" in page.content.decode() or "valid" in page.content.decode().lower()
    report_id = answer["Location"].rstrip("/").split("/")[-1]
    pdf = client.get(f"/energy/reports/{report_id}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get(f"/energy/reports/{report_id}.xlsx").status_code == 200
    assert (
        json.loads(client.get(f"/energy/reports/{report_id}.json").content)["body"]["version"] == 1
    )
    assert client.get(f"/energy/reports/{report_id}.exe").status_code == 404
    # the regulator of the region may read it, not issue
    reg = client_for(site.users["reg_nm"])
    assert reg.get(f"/energy/reports/{report_id}/").status_code == 200
    assert reg.post("/energy/users/NM-ALU-01/reports/", {"start": "2026-05-01"}).status_code == 404
    assert client_for(site.users["other"]).get(f"/energy/reports/{report_id}/").status_code == 404


CSV_OK = (
    "point,start,value,kind\n"
    "GAS,2026-05-01T00:00:00+08:00,10.5,interval\n"
    "GAS,2026-05-01T00:15:00+08:00,11,interval\n"
)


def test_manual_csv_is_stored_as_manual_and_a_resend_is_not_stored_twice(
    site: Site, energy_root: object
) -> None:
    from jiliang.energy.store import scan

    client = client_for(site.users["alu"])
    for _ in range(2):
        upload = SimpleUploadedFile("gas.csv", CSV_OK.encode(), content_type="text/csv")
        page = client.post("/energy/users/NM-ALU-01/manual/", {"file": upload})
        assert page.status_code == 200 and 'id="manual-ack"' in page.content.decode()
    rows = scan(energy_root, dedupe=False).to_arrow_table().to_pylist()
    assert [r["source"] for r in rows] == ["manual", "manual"]
    assert sorted(r["value"] for r in rows) == [10.5, 11.0]


def test_manual_bad_row_names_file_row_field_and_writes_nothing(
    site: Site, energy_root: object
) -> None:
    from jiliang.monitoring.models import UploadBatch

    bad = CSV_OK + "GAS,2026-05-01 00:30,12,interval\n"  # row 4: no offset
    upload = SimpleUploadedFile("gas.csv", bad.encode(), content_type="text/csv")
    page = client_for(site.users["alu"]).post("/energy/users/NM-ALU-01/manual/", {"file": upload})
    html = page.content.decode()
    assert 'id="manual-errors"' in html
    assert "<td>gas.csv</td><td>4</td><td>start</td>" in html
    assert UploadBatch.objects.count() == 0


def test_manual_xlsx(site: Site, energy_root: object) -> None:
    import io

    from openpyxl import Workbook

    from jiliang.monitoring.manual import ManualRefused, upload_bytes

    book = Workbook()
    sheet = book.active
    sheet.append(["point", "start", "value"])
    sheet.append(["E-MAIN", "2026-05-01T00:00:00+08:00", 99990.0])
    sheet.append(["E-MAIN", "2026-05-01T00:15:00+08:00", "abc"])
    data = io.BytesIO()
    book.save(data)
    with pytest.raises(ManualRefused) as refused:
        upload_bytes(site.energy_user, "m.xlsx", data.getvalue(), site.users["alu"])
    assert refused.value.errors[0] == {
        "file": "m.xlsx",
        "row": 3,
        "field": "value",
        "reason": "a finite number below 1e15",
    }
    sheet["C3"] = 99990.2
    data = io.BytesIO()
    book.save(data)
    ack = upload_bytes(site.energy_user, "m.xlsx", data.getvalue(), site.users["alu"])
    assert ack.count == 2
