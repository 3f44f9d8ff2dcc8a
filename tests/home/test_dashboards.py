"""Home charts' figures, hand-counted from the shared world (tests/conftest.py).

The world's due dates (valid_until of the last passing certificate; recall grace 0 days):
  e2_weight  (province, 370100)  NIM-2025-0001 2025-03-01 + 2 years − 1 day → 2027-02-28
  f1_weight  (city, 370300)      SD-2025-0001  2025-04-01 + 1 year − 1 day  → 2026-03-31
  scale      (market, 370303)    ZB-2025-0001  2025-09-01 + 1 year − 1 day  → 2026-08-31
  taxi_meter (taxi, 110105)      no certificate → never verified
On 2026-06-01 (TODAY): overdue = due before 2026-06-01 = f1_weight only.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from jiliang.dashboards import queries, views
from tests.conftest import TODAY

MONTHS = [
    "2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11",
    "2026-12", "2027-01", "2027-02", "2027-03", "2027-04", "2027-05",
]  # fmt: skip


def test_month_starts_roll_over_the_year() -> None:
    assert queries.month_starts(dt.date(2026, 11, 15), 3) == [
        dt.date(2026, 11, 1),
        dt.date(2026, 12, 1),
        dt.date(2027, 1, 1),
    ]


def test_due_by_month_per_scope(world: Any) -> None:
    u = world.users
    admin = queries.due_by_month(u["admin"], TODAY)
    assert admin["months"] == MONTHS
    # scale due 2026-08 (index 2), e2 weight due 2027-02 (index 8); f1 weight overdue
    assert admin["due"] == [0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0]
    assert admin["overdue"] == 1
    market = queries.due_by_month(u["market"], TODAY)
    assert (market["due"][2], sum(market["due"]), market["overdue"]) == (1, 1, 0)
    # Zibo's regulator (prefix 3703): the city's F1 weight (overdue) and the market's scale
    zibo = queries.due_by_month(u["reg_zibo"], TODAY)
    assert (zibo["due"][2], sum(zibo["due"]), zibo["overdue"]) == (1, 1, 1)
    # the city laboratory's own instruments: the F1 weight only, overdue
    lab = queries.due_by_month(u["zibo_lab"], TODAY, institution_id=world.city.pk)
    assert (sum(lab["due"]), lab["overdue"]) == (0, 1)
    # a scrapped instrument is no longer due
    world.f1_weight.status = "scrapped"
    world.f1_weight.save()
    assert queries.due_by_month(u["admin"], TODAY)["overdue"] == 0


def test_overdue_by_region(world: Any) -> None:
    u = world.users
    # the administrator sees provinces: Shandong (37) has the one overdue F1 weight
    assert queries.overdue_by_region(u["admin"], TODAY) == {
        "codes": ["370000"],
        "names": ["山东省"],
        "overdue": [1],
    }
    # Zibo's regulator (a city) sees counties: 370300 itself holds the weight
    assert queries.overdue_by_region(u["reg_zibo"], TODAY)["codes"] == ["370300"]
    # Beijing's has nothing overdue (the taxi meter was never verified)
    assert queries.overdue_by_region(u["reg_bj"], TODAY)["overdue"] == []


def test_certificates_by_conclusion_of_a_laboratory(world: Any) -> None:
    # The city institute issued ZB-2025-0001 (pass) on 2025-09-01; the last twelve months
    # to June 2026 run 2025-07 … 2026-06, so September 2025 is the third.
    data = queries.certificates_by_conclusion(world.users["zibo_lab"], TODAY, world.city.pk)
    assert data["months"][0] == "2025-07" and data["months"][-1] == "2026-06"
    assert data["series"] == {"pass": [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]}
    assert data["pass_rate"][2] == 100.0  # 1 passing of 1
    assert data["pass_rate"][0] is None  # no certificate, no rate
    # another laboratory's certificates are not counted as this one's
    nim = queries.certificates_by_conclusion(world.users["nim_lab"], TODAY, world.nim.pk)
    assert nim["series"] == {}  # NIM-2025-0001 is of 2025-03, before the window


def test_certificates_by_conclusion_sums_days_into_months(world: Any) -> None:
    # Grouped by day and conclusion in the database, summed by month here: added to the
    # world's ZB-2025-0001 (pass, 2025-09-01), certificates of the city institute on the
    # window's edges and on several days of one month. The window is 2025-07-01 … 2026-06-30.
    from jiliang.registry.models import Certificate

    def issue(number: str, day: dt.date, conclusion: str) -> None:
        Certificate.objects.create(
            number=number,
            kind="calibration" if conclusion == "calibrated" else "verification",
            issuer=world.city,
            instrument=world.scale,
            calibration_date=day,
            issued_on=day,
            conclusion=conclusion,
        )

    issue("ZB-T-1", dt.date(2025, 6, 30), "pass")  # the day before the window: not counted
    issue("ZB-T-2", dt.date(2025, 7, 1), "pass")  # the window's first day: month 0
    issue("ZB-T-3", dt.date(2025, 9, 1), "fail")  # the same day as ZB-2025-0001
    issue("ZB-T-4", dt.date(2025, 9, 15), "pass")
    issue("ZB-T-5", dt.date(2025, 9, 30), "calibrated")
    issue("ZB-T-6", dt.date(2026, 6, 30), "fail")  # the window's last day: month 11
    issue("ZB-T-7", dt.date(2026, 7, 1), "pass")  # after the window: not counted
    data = queries.certificates_by_conclusion(world.users["zibo_lab"], TODAY, world.city.pk)
    assert data["series"] == {
        "calibrated": [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        "fail": [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1],
        "pass": [1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    }
    # September 2025: pass 2 + calibrated 1 of 4 = 75 %; June 2026: 0 of 1
    assert data["pass_rate"][:3] == [100.0, None, 75.0]
    assert data["pass_rate"][11] == 0.0
    # a regulator asking for the laboratory's chart counts through its own scope (Zibo,
    # 3703: the scale is the market's, 370303): the same figures
    other = queries.certificates_by_conclusion(world.users["reg_zibo"], TODAY, world.city.pk)
    assert other["series"] == data["series"]


def test_jobs_by_status_counts_the_laboratorys_jobs(world: Any) -> None:
    data = queries.jobs_by_status(world.city.pk)
    assert data["statuses"] == ["draft", "recorded", "checked", "issued"]
    assert data["jobs"] == [0, 0, 0, 0]


def test_home_page_charts_per_role(client_as: Any, world: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(views, "_today", lambda: TODAY)

    def chart_ids(role: str | None) -> list[str]:
        html = client_as(role).get("/").content.decode()
        return re.findall(r'data-chart="(\w+)"', html)

    assert chart_ids(None) == []
    assert chart_ids("market") == ["due"]
    assert chart_ids("zibo_lab") == ["due", "conclusions", "workload"]
    assert chart_ids("reg_zibo") == ["due", "regions"]
    assert chart_ids("admin") == ["due", "regions"]

    html = client_as("reg_zibo").get("/").content.decode()
    data = json.loads(re.search(r'id="data-due" type="application/json">(.*?)</script>', html)[1])
    assert data["overdue"] == 1 and data["due"][2] == 1
    assert "/static/jiliang/vendor/plotly.min.js" in html
    assert "/static/jiliang/home/charts.js" in html
    # no inline script: every <script> has a src or is a JSON data block
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag


def test_plotly_is_served_locally(client: Any, db: Any) -> None:
    response = client.get("/static/jiliang/vendor/plotly.min.js")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"plotly.js" in body[:2000] and len(body) > 1_000_000
    # only the named files of the package are exposed, not its data sets
    assert client.get("/static/jiliang/vendor/datasets/iris.csv.gz").status_code == 404


def test_a_regions_charts_follow_every_write(world: Any) -> None:
    """A region's charts are sums of the trigger-kept counts: never a stale cached copy."""
    reg = world.users["reg_zibo"]
    assert views.cached_charts(reg, TODAY)["due"]["overdue"] == 1
    world.f1_weight.status = "scrapped"
    world.f1_weight.save()
    charts = views.cached_charts(reg, TODAY)
    assert charts["due"]["overdue"] == 0 and "as_of" not in charts


def test_other_charts_are_cached_per_scope_and_day_and_say_as_of_when(
    world: Any, settings: Any
) -> None:
    lab = world.users["zibo_lab"]
    first = views.cached_charts(lab, TODAY)
    assert first["due"]["overdue"] == 1 and first["as_of"] is not None
    world.f1_weight.status = "scrapped"
    world.f1_weight.save()
    kept = views.cached_charts(lab, TODAY)
    assert kept["due"]["overdue"] == 1 and kept["as_of"] == first["as_of"]  # kept, dated
    assert views.cached_charts(lab, TODAY + dt.timedelta(days=1))["due"]["overdue"] == 0
    settings.HOME_CHARTS_CACHE_SECONDS = 0
    assert views.cached_charts(lab, TODAY)["due"]["overdue"] == 0
