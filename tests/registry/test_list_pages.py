"""The registry's list pages (issue 13 §1): django-tables2 tables that sort on whitelisted
columns, django-filter filters under the old query-string names, exports of exactly the
page's rows (CSV and Excel, opened with openpyxl), the bounded "10,000+" counts, and the
instrument list's bulk actions with per-row permission and all-or-nothing refusals.

The world (tests/conftest.py) has four instruments, whose serials sort as
E2-1KG-01 < F1-1KG-01 < SCALE-0001 < TAXI-0001 (ASCII order, written out below).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.test import Client

from jiliang.registry import listing, traceability

ALL_SERIALS = ["E2-1KG-01", "F1-1KG-01", "SCALE-0001", "TAXI-0001"]
LIST_PAGES = [
    "/institutions/",
    "/people/",
    "/standards/",
    "/materials/",
    "/instruments/",
    "/certificates/",
    "/catalogue/",
    "/schemes/",
]


def client_for(world: Any, role: str, **kwargs: Any) -> Client:
    client = Client(**kwargs)
    client.force_login(world.users[role])
    return client


def page_serials(response: Any) -> list[str]:
    assert response.status_code == 200, response.content[:500]
    return [row.record.serial_number for row in response.context["table"].rows]


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def xlsx_rows(content: bytes) -> list[list[Any]]:
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def csv_rows(content: bytes) -> list[list[str]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")  # Excel reads the Chinese header as UTF-8
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.mark.parametrize("path", LIST_PAGES)
def test_every_list_renders_a_sortable_table_and_both_exports(world, path) -> None:
    client = client_for(world, "admin")
    page = client.get(path)
    assert page.status_code == 200
    table = page.context["table"]
    sortable = [c.name for c in table.columns if c.orderable]
    assert sortable, path
    assert b'class="table-scroll"' in page.content
    assert b"export=csv" in page.content and b"export=xlsx" in page.content
    for direction in ("", "-"):
        assert client.get(f"{path}?sort={direction}{sortable[0]}").status_code == 200
    shown = len(table.rows)
    csv_export = client.get(f"{path}?export=csv")
    assert csv_export.status_code == 200
    assert csv_export["Content-Disposition"].endswith('.csv"')
    rows = csv_rows(body(csv_export))
    xlsx = client.get(f"{path}?export=xlsx")
    assert xlsx.status_code == 200
    sheet = xlsx_rows(xlsx.content)
    assert sheet[0] == rows[0]  # the same header
    if shown < listing.PAGE_SIZE:  # the whole list is on the page: the files hold it all
        assert len(rows) - 1 == shown == len(sheet) - 1


def test_instruments_sort_both_ways_and_refuse_unlisted_columns(world) -> None:
    client = client_for(world, "admin")
    assert page_serials(client.get("/instruments/?sort=serial_number")) == ALL_SERIALS
    assert page_serials(client.get("/instruments/?sort=-serial_number")) == ALL_SERIALS[::-1]
    sorted_page = client.get("/instruments/?sort=serial_number")
    assert b'aria-sort="ascending"' in sorted_page.content
    # owner is not an indexed sort: a hand-made URL gets a 400 naming what may sort
    refused = client.get("/instruments/?sort=owner")
    assert refused.status_code == 400
    assert "serial_number" in refused.context["problems"][0]
    assert client.get("/instruments/?sort=no_such_column").status_code == 400
    assert client.get("/instruments/?export=pdf").status_code == 400


def test_filters_keep_their_old_query_names(world) -> None:
    client = client_for(world, "admin")
    assert page_serials(client.get("/instruments/?q=SCALE")) == ["SCALE-0001"]
    owner = world.scale.owner_id
    assert page_serials(client.get(f"/instruments/?owner={owner}")) == ["SCALE-0001"]
    assert client.get("/instruments/?owner=abc").status_code == 400
    certificates = client.get(f"/certificates/?instrument={world.scale.pk}")
    assert [r.record.number for r in certificates.context["table"].rows] == ["ZB-2025-0001"]
    division = client.get("/institutions/?division=99x")
    assert division.status_code == 400
    assert "division" in division.context["problems"][0]


def test_export_has_the_pages_rows_for_the_same_filter_and_sort(world) -> None:
    client = client_for(world, "zibo_lab")  # sees F1-1KG-01 and SCALE-0001
    query = "q=1&sort=-serial_number"
    shown = page_serials(client.get(f"/instruments/?{query}"))
    assert shown == ["SCALE-0001", "F1-1KG-01"]
    sheet = xlsx_rows(client.get(f"/instruments/?{query}&export=xlsx").content)
    header = sheet[0]
    serial = header.index("出厂编号")
    assert [row[serial] for row in sheet[1:]] == shown
    rows = csv_rows(body(client.get(f"/instruments/?{query}&export=csv")))
    assert rows[0] == header
    assert [row[serial] for row in rows[1:]] == shown


def test_export_neutralises_formulas_and_stops_at_its_cap(world, monkeypatch) -> None:
    from jiliang.registry.models import Instrument

    Instrument.objects.filter(pk=world.scale.pk).update(name="=HYPERLINK(1)")
    client = client_for(world, "market")
    sheet = xlsx_rows(client.get("/instruments/?export=xlsx").content)
    assert sheet[1][sheet[0].index("名称")] == "'=HYPERLINK(1)"
    monkeypatch.setattr(listing, "EXPORT_CAP", 3)  # admin sees 4 instruments: over the cap
    over = client_for(world, "admin").get("/instruments/?export=csv")
    assert over.status_code == 400
    assert "3" in over.content.decode()


def test_restricted_counts_still_stop_at_the_cap(world, monkeypatch) -> None:
    monkeypatch.setattr(traceability, "COUNT_CAP", 1)  # zibo_lab sees 2 instruments
    page = client_for(world, "zibo_lab").get("/instruments/?sort=serial_number")
    assert page.status_code == 200
    assert page.context["page"].paginator.more is True
    assert "1+" in page.content.decode()
    exact = client_for(world, "admin").get("/instruments/")
    assert exact.context["page"].paginator.more is False
    assert exact.context["page"].paginator.count == 4


def _bulk(client: Client, **data: Any) -> Any:
    return client.post("/instruments/", data)


def test_bulk_export_of_selected_rows(world) -> None:
    client = client_for(world, "admin")
    response = _bulk(client, action="export", ids=[world.scale.pk, world.f1_weight.pk])
    assert response.status_code == 200
    sheet = xlsx_rows(response.content)
    serial = sheet[0].index("出厂编号")
    assert sorted(row[serial] for row in sheet[1:]) == ["F1-1KG-01", "SCALE-0001"]


def test_bulk_retire_by_the_owner_and_refusals_change_nothing(world) -> None:
    from jiliang.registry.models import Instrument

    today = dt.date.today().isoformat()
    # a laboratory sees the market's scale (it calibrated it) but does not own it
    lab = _bulk(
        client_for(world, "zibo_lab"),
        action="retire",
        ids=[world.scale.pk, world.f1_weight.pk],
        reason="停用检查",
        on=today,
    )
    assert lab.status_code == 400
    assert "SCALE-0001" in lab.content.decode()
    assert set(Instrument.objects.values_list("status", flat=True)) == {"in_service"}
    # a row the user cannot see: refused as a whole, nothing named
    hidden = _bulk(
        client_for(world, "market"),
        action="retire",
        ids=[world.scale.pk, world.taxi_meter.pk],
        reason="x",
        on=today,
    )
    assert hidden.status_code == 400
    assert "TAXI-0001" not in hidden.content.decode()
    assert Instrument.objects.get(pk=world.scale.pk).status == "in_service"
    # the owner, selecting "all matching" the list's filter
    done = _bulk(
        client_for(world, "market"),
        action="retire",
        all="1",
        filter="q=SCALE",
        reason="设备更新",
        on=today,
    )
    assert done.status_code == 302
    assert done["Location"] == "/instruments/?q=SCALE"
    assert Instrument.objects.get(pk=world.scale.pk).status == "out_of_service"


def test_bulk_location_and_csrf(world) -> None:
    from jiliang.registry.models import Instrument

    market = client_for(world, "market")
    assert _bulk(market, action="location", ids=[world.scale.pk], location="").status_code == 400
    done = _bulk(market, action="location", ids=[world.scale.pk], location="一号摊位")
    assert done.status_code == 302
    assert Instrument.objects.get(pk=world.scale.pk).location == "一号摊位"
    strict = client_for(world, "market", enforce_csrf_checks=True)
    refused = _bulk(strict, action="location", ids=[world.scale.pk], location="二号摊位")
    assert refused.status_code == 403
    assert Instrument.objects.get(pk=world.scale.pk).location == "一号摊位"


def test_unindexed_sorts_need_a_small_scope(world, monkeypatch) -> None:
    # zibo_lab sees 2 instruments; with the scope limit at 1 a serial sort would read more
    monkeypatch.setattr(listing, "SORT_SCOPE", 1)
    client = client_for(world, "zibo_lab")
    page = client.get("/instruments/?sort=-serial_number")
    assert page.status_code == 200
    assert page_serials(page) == ["F1-1KG-01", "SCALE-0001"]  # the default order (by id)
    assert page.context["notices"]
    assert b"sort=serial_number" not in page.content  # the header is not a sort link
    # certificates sort by number through its unique index at any scope
    numbers = client.get("/certificates/?sort=-number").context["table"].rows
    assert [r.record.number for r in numbers] == ["ZB-2025-0001", "SD-2025-0001"]


def test_a_refused_sort_pages_the_counted_rows_in_the_default_order(world, monkeypatch) -> None:
    # zibo_lab's 2 instruments counted past the cap (1): paged by probing in the default
    # order, from that count (a page holds at most the cap's rows, as without a sort)
    monkeypatch.setattr(listing, "SORT_SCOPE", 1)
    monkeypatch.setattr(traceability, "COUNT_CAP", 1)
    lab = client_for(world, "zibo_lab").get("/instruments/?sort=serial_number")
    assert lab.status_code == 200
    assert page_serials(lab) == ["F1-1KG-01"]
    assert lab.context["notices"] and lab.context["page"].paginator.more is True
    # the administrator's exact count of the whole table is reused as it is
    admin = client_for(world, "admin").get("/instruments/?sort=serial_number")
    assert sorted(page_serials(admin)) == ALL_SERIALS
    assert admin.context["notices"] and admin.context["page"].paginator.count == 4


def test_an_administrators_filtered_list_counts_up_to_the_cap(world, monkeypatch) -> None:
    # all four instruments are in service: an exact count would read every match
    monkeypatch.setattr(traceability, "COUNT_CAP", 3)
    client = client_for(world, "admin")
    filtered = client.get("/instruments/?status=in_service")
    assert filtered.context["page"].paginator.more is True
    assert "3+" in filtered.content.decode()
    assert page_serials(filtered) == ALL_SERIALS[:3]  # a page holds at most the cap's rows
    whole = client.get("/instruments/")  # the whole table: an exact count is cheap
    assert whole.context["page"].paginator.more is False
    assert whole.context["page"].paginator.count == 4
