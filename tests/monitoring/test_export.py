"""`jiliang energy export` against a real local HTTP platform: outbox before sending, resend
until acknowledged, nothing sent twice after the acknowledgement, refusals store nothing."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from typer.testing import CliRunner

from jiliang.cli.main import app
from tests.energy.platform_server import Platform
from tests.monitoring.readings import send
from tests.monitoring.site import Site

runner = CliRunner()
MAY1, MAY2 = dt.date(2026, 5, 1), dt.date(2026, 5, 2)


def two_days(site: Site) -> None:
    """E-MAIN: 99990.0 at May 1 00:00, +0.2 every 15 min through May 3 00:00 (wrapping after
    99999.9), ×100: 96 × 0.2 × 100 = 1920 kWh a day. GAS: 96 × 10 m3 = 960 m3 a day.
    E-LINE sends nothing (its days are 'missing')."""
    from tests.monitoring.readings import CST

    items = []
    midnight = dt.datetime.combine(MAY1, dt.time(), CST)
    for i in range(2 * 96 + 1):
        start = (midnight + dt.timedelta(minutes=15 * i)).isoformat()
        value = round((99990.0 + 0.2 * i) % 100000.0, 1)
        items.append({"point": "E-MAIN", "start": start, "value": value})
        if i < 2 * 96:
            items.append({"point": "GAS", "start": start, "value": 10.0, "kind": "interval"})
    send(site.users["alu"], "m-two-days", items)


def export(*args: str) -> Any:
    return runner.invoke(app, ["energy", "export", "--user", "NM-ALU-01", *args])


def rows() -> list[Any]:
    from jiliang.monitoring.models import ProvincialExport

    return list(ProvincialExport.objects.order_by("day"))


PERIOD = ["--from", "2026-05-01", "--to", "2026-05-02", "--profile", "nm-v1"]


def test_sends_each_day_once_and_acknowledged_messages_never_again(site: Site) -> None:
    two_days(site)
    with Platform("msgId", "nm") as platform:
        res = export(*PERIOD, "--endpoint", platform.url, "--json")
        assert res.exit_code == 0, res.output
        summary = json.loads(res.stdout)
        assert summary["stored"] == 2 and summary["unacknowledged"] == 0
        assert len(platform.received) == 2
        first = platform.received[0]
        assert first["entCode"] == "NM-ALU-01" and first["version"] == "NM-1.0"
        assert first["dataCount"] == 3
        by_point = {item["meterCode"]: item for item in first["data"]}
        assert by_point["E-MAIN"]["dataValue"] == 1920.0
        assert by_point["E-MAIN"]["dataQuality"] == "0"  # verified meter, nothing estimated
        assert by_point["GAS"]["dataValue"] == 0.096  # 960 m3 in 10^4 m3
        assert by_point["GAS"]["dataQuality"] == "5"  # no registered instrument
        assert by_point["E-LINE"]["dataQuality"] == "9"  # no data that day
        assert {i["statTime"] for i in first["data"]} == {"20260501000000"}
        assert platform.received[1]["data"][0]["statTime"] == "20260502000000"
        # the same period again: same content, same ids, nothing stored or sent
        again = export(*PERIOD, "--endpoint", platform.url, "--json")
        assert again.exit_code == 0, again.output
        assert json.loads(again.stdout)["stored"] == 0
        assert json.loads(again.stdout)["already_stored"] == 2
        assert len(platform.received) == 2
    stored = rows()
    assert [r.state for r in stored] == ["acknowledged", "acknowledged"]
    assert [r.attempts for r in stored] == [1, 1]
    assert [json.loads(r.body) for r in stored] == platform.received
    assert "not confirmed" in res.stderr


def test_a_failed_send_is_kept_and_resent_on_the_next_run(site: Site) -> None:
    two_days(site)
    with Platform("msgId", "nm") as platform:
        platform.fail_next = 1  # the platform answers 503 once
        res = export(*PERIOD, "--endpoint", platform.url)
        assert res.exit_code == 1, res.output
        assert "not acknowledged" in res.stderr and "HTTP 503" in res.stderr
        first, second = rows()
        assert (first.state, first.attempts, second.state, second.attempts) == (
            "sent", 1, "pending", 0,
        )  # fmt: skip
        assert first.last_error.startswith("HTTP 503")
        assert platform.received == []
        # the next run, without a period, sends what is left, in day order
        res = export("--profile", "nm-v1", "--endpoint", platform.url)
        assert res.exit_code == 0, res.output
        first, second = rows()
        assert (first.state, first.attempts, second.state, second.attempts) == (
            "acknowledged", 2, "acknowledged", 1,
        )  # fmt: skip
        assert first.last_error == ""
        assert [b["msgId"] for b in platform.received] == [first.message_id, second.message_id]
        # and a third run sends nothing at all
        res = export("--profile", "nm-v1", "--endpoint", platform.url)
        assert res.exit_code == 0, res.output
        assert len(platform.received) == 2 and len(platform.headers) == 3


def test_unreachable_platform_keeps_everything_for_later(site: Site) -> None:
    import socket

    two_days(site)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    res = export(*PERIOD, "--endpoint", f"http://127.0.0.1:{port}/up", "--timeout", "5")
    assert res.exit_code == 1
    assert "cannot reach" in res.stderr and "2 message(s) kept" in res.stderr
    assert [r.state for r in rows()] == ["sent", "pending"]


def test_dry_run_prints_the_messages_and_stores_nothing(site: Site) -> None:
    two_days(site)
    res = export(*PERIOD, "--dry-run", "--json")
    assert res.exit_code == 0, res.output
    document = json.loads(res.stdout)
    assert document["profile"] == "nm-v1" and document["confirmed"] is False
    assert [m["dataCount"] for m in document["messages"]] == [3, 3]
    assert rows() == []
    table = export("--from", "2026-05-01", "--to", "2026-05-01", "--dry-run")
    assert table.exit_code == 0 and "generic-v1" in table.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-05-01"], "--from and --to go together"),
        (["--from", "2026-05-01", "--to", "2026-04-01"], "--to 2026-04-01 is before --from"),
        (["--from", "2026-5-1", "--to", "2026-05-02"], "--from '2026-5-1': a date YYYY-MM-DD"),
        (["--from", "2025-01-01", "--to", "2026-05-02"], "more than 366 days in one run"),
        (["--from", "2026-05-01", "--to", "2026-05-01"], "no endpoint: give --endpoint URL"),
        (["--profile", "sh-v9", "--dry-run"], "profile 'sh-v9': no such profile"),
        (["--endpoint", "file:///etc/passwd"], "endpoint 'file:///etc/passwd': an https://"),
    ],
)
def test_refusals_exit_2_and_store_nothing(site: Site, args: list[str], message: str) -> None:
    res = export(*args)
    assert res.exit_code == 2, res.output
    assert message in res.stderr and "Traceback" not in res.output
    assert rows() == []


def test_unknown_user_is_refused(site: Site) -> None:
    res = runner.invoke(app, ["energy", "export", "--user", "NOPE", "--dry-run"])
    assert res.exit_code == 2 and "--user 'NOPE': no energy user with this code" in res.stderr


def test_the_user_page_lists_messages_and_their_states(site: Site) -> None:
    from django.test import Client

    two_days(site)
    with Platform("msgId", "nm") as platform:
        platform.fail_next = 1
        assert export(*PERIOD, "--endpoint", platform.url).exit_code == 1
    first, second = rows()
    client = Client()
    client.force_login(site.users["alu"])
    dashboard = client.get("/energy/users/NM-ALU-01/")
    assert 'href="/energy/users/NM-ALU-01/exports/"' in dashboard.content.decode()
    page = client.get("/energy/users/NM-ALU-01/exports/")
    assert page.status_code == 200
    html = page.content.decode()
    assert first.message_id in html and second.message_id in html
    assert "HTTP 503" in html  # the first day's last error
    states = page.context["states"]
    assert [(value, n) for value, _, n in states] == [
        ("pending", 1), ("sent", 1), ("acknowledged", 0), ("refused", 0), ("withdrawn", 0),
    ]  # fmt: skip
    other = Client()
    other.force_login(site.users["other"])
    assert other.get("/energy/users/NM-ALU-01/exports/").status_code == 404
    assert Client().get("/energy/users/NM-ALU-01/exports/").status_code == 302


def test_days_without_any_reading_are_reported_missing(site: Site) -> None:
    res = export("--from", "2026-06-01", "--to", "2026-06-01", "--dry-run", "--json")
    assert res.exit_code == 0, res.output
    (message,) = json.loads(res.stdout)["messages"]
    assert {(i["point"], i["value"], i["quality"]) for i in message["items"]} == {
        ("E-LINE", 0.0, "missing"),
        ("E-MAIN", 0.0, "missing"),
        ("GAS", 0.0, "missing"),
    }


def test_interval_figures_from_the_validated_series(site: Site) -> None:
    # E-MAIN: +0.2 × 100 = 20 kWh every 15 min (also across the rollover 99999.9 → 0.1),
    # GAS: 10 m3 every 15 min; E-LINE sent nothing, so it has no interval rows
    two_days(site)
    res = export(*PERIOD[:2], "--to", "2026-05-01", "--profile", "nm-v1", "--interval",
                 "--dry-run", "--json")  # fmt: skip
    assert res.exit_code == 0, res.output
    (message,) = json.loads(res.stdout)["messages"]
    electricity = [i for i in message["data"] if i["dataCode"] == "NM-4100-I"]
    gas = [i for i in message["data"] if i["dataCode"] == "NM-3100-I"]
    assert len(electricity) == 96 and len(gas) == 96
    assert {i["dataValue"] for i in electricity} == {20.0}
    assert {i["dataValue"] for i in gas} == {10.0}
    assert electricity[0]["statTime"] == "20260501000000"
    assert electricity[-1]["statTime"] == "20260501234500"
    assert {i["dataQuality"] for i in electricity} == {"0"}
    assert {i["dataQuality"] for i in gas} == {"5"}
    assert message["dataCount"] == 3 + 96 + 96
    # the interval figures of a day add up to its daily figure
    daily = next(
        i for i in message["data"] if i["dataCode"] == "NM-4100-D" and i["meterCode"] == "E-MAIN"
    )
    assert sum(i["dataValue"] for i in electricity) == daily["dataValue"] == 1920.0


def test_interval_needs_a_period(site: Site) -> None:
    res = export("--interval", "--dry-run")
    assert res.exit_code == 2 and "--interval needs --from and --to" in res.stderr
