"""Refused and withdrawn export messages, against the real local HTTP platform: a message the
platform refuses for good is marked refused and no longer blocks the later days; an operator
withdraws a message (command or page, one rule) with who, when and why; neither is ever sent
again nor resurrected by building the same figures; a corrected day is sent normally."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from typer.testing import CliRunner

from jiliang.cli.main import app
from tests.energy.platform_server import Platform
from tests.monitoring.readings import send
from tests.monitoring.site import Site
from tests.monitoring.test_export import PERIOD, export, rows, two_days

runner = CliRunner()
PROFILES = Path(__file__).parents[2] / "src/jiliang/data/energy/provincial"


class Refusing(Platform):
    """The test platform (nm answers), answering ``status`` with ``answer`` to the messages
    whose first item starts on one of ``days`` (yyyyMMdd) instead of storing them."""

    def __init__(self, days: set[str], status: int = 400, answer: bytes = b"") -> None:
        super().__init__("msgId", "nm")
        self.days, self.status, self.answer_body = days, status, answer
        self.refused: list[str] = []  # ids answered with the refusal
        base: Any = self.server.RequestHandlerClass
        platform = self

        class Handler(base):  # type: ignore[misc,valid-type]
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                body = json.loads(raw)
                if body["data"][0]["statTime"][:8] in platform.days:
                    with platform.lock:
                        platform.refused.append(body["msgId"])
                    reply = platform.answer_body.replace(b"MID", body["msgId"].encode())
                    self._answer(platform.status, reply or b'{"code": "E104"}')
                    return
                self.rfile = io.BytesIO(raw)
                super().do_POST()

        self.server.RequestHandlerClass = Handler


def withdraw(*args: str) -> Any:
    return runner.invoke(app, ["energy", "export-withdraw", "--user", "NM-ALU-01", *args])


@pytest.mark.parametrize("status", [400, 409, 413, 422])
def test_a_refused_day_no_longer_blocks_the_later_days(site: Site, status: int) -> None:
    two_days(site)
    with Refusing({"20260501"}, status) as platform:
        res = export(*PERIOD, "--endpoint", platform.url, "--json")
        assert res.exit_code == 1, res.output  # something was refused in this run
        summary = json.loads(res.stdout)
        first, second = rows()
        assert (first.state, first.attempts, second.state, second.attempts) == (
            "refused", 1, "acknowledged", 1,
        )  # fmt: skip
        assert first.last_error.startswith(f"HTTP {status}") and first.refused_at is not None
        assert first.claimed_by == "" and first.claimed_until is None  # claim released
        assert [r["message_id"] for r in summary["refused"]] == [first.message_id]
        assert summary["unacknowledged"] == 0 and summary["refused_total"] == 1
        assert platform.refused == [first.message_id]
        assert [b["msgId"] for b in platform.received] == [second.message_id]
        assert "refused:" in res.stderr and "never resent" in res.stderr
        # later runs never send it again, and building the same day again does not revive it
        again = export(*PERIOD, "--endpoint", platform.url, "--json")
        assert again.exit_code == 0, again.output
        assert json.loads(again.stdout)["already_stored"] == 2
        assert "1 message(s) of NM-ALU-01 under nm-v1 refused" in again.stderr
        assert platform.refused == [first.message_id] and len(platform.received) == 1
    assert [r.state for r in rows()] == ["refused", "acknowledged"]


@pytest.mark.parametrize("status", [401, 403, 404, 408, 429])
def test_answers_about_credentials_endpoint_or_timing_are_retried(site: Site, status: int) -> None:
    two_days(site)
    with Refusing({"20260501"}, status) as platform:
        res = export(*PERIOD, "--endpoint", platform.url)
        assert res.exit_code == 1, res.output
        assert [(r.state, r.attempts) for r in rows()] == [("sent", 1), ("pending", 0)]
        assert rows()[0].last_error.startswith(f"HTTP {status}")
        platform.days = set()  # fixed: the next run sends both, in day order
        res = export("--profile", "nm-v1", "--endpoint", platform.url)
        assert res.exit_code == 0, res.output
    assert [(r.state, r.attempts) for r in rows()] == [("acknowledged", 2), ("acknowledged", 1)]


def refusing_profile(tmp_path: Path, extra: str) -> Path:
    """nm-v1 copied as nm-refuse with ``extra`` lines added to its ack rule."""
    shutil.copy(PROFILES / "nm-v1.schema.json", tmp_path / "nm-v1.schema.json")
    text = (PROFILES / "nm-v1.yaml").read_text(encoding="utf-8")
    text = text.replace("profile: nm-v1", "profile: nm-refuse")
    text = text.replace('  ok_values: ["0"]\n', '  ok_values: ["0"]\n' + extra)
    path = tmp_path / "nm-refuse.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_an_answer_naming_a_refused_status_is_a_refusal(site: Site, tmp_path: Path) -> None:
    profile = str(refusing_profile(tmp_path, '  refused_values: ["E1", "E2"]\n'))
    two_days(site)
    period = [*PERIOD[:4], "--profile", profile]
    with Refusing({"20260501"}, 200, b'{"code": "E2", "msgId": "MID"}') as platform:
        res = export(*period, "--endpoint", platform.url)
        assert res.exit_code == 1, res.output
        first, second = rows()
        assert (first.state, second.state) == ("refused", "acknowledged")
        assert first.last_error == "HTTP 200, the response's 'code' is 'E2': refused"
        # a status outside both lists, or a refusal naming another message, is retried
        platform.answer_body = b'{"code": "7", "msgId": "MID"}'
        platform.days = {"20260503"}
        two = [*period[:2], "--to", "2026-05-03", "--profile", profile]
        assert export(*two, "--endpoint", platform.url).exit_code == 1
        assert rows()[2].state == "sent" and "not one of ['0']" in rows()[2].last_error
        platform.answer_body = b'{"code": "E1", "msgId": "another"}'
        assert export("--profile", profile, "--endpoint", platform.url).exit_code == 1
        assert rows()[2].state == "sent" and rows()[2].attempts == 2


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('  refused_values: ["0"]\n', "ack.refused_values: '0' is also in ack.ok_values"),
        ("  refused_values: []\n", "ack.refused_values: a non-empty list of strings"),
        ("  refused_values: [4]\n", "ack.refused_values: a non-empty string is required"),
    ],
)
def test_bad_refused_values_are_named(site: Site, tmp_path: Path, extra: str, message: str) -> None:
    res = export("--profile", str(refusing_profile(tmp_path, extra)), "--dry-run")
    assert res.exit_code == 2, res.output
    assert f"nm-refuse.yaml: {message}" in res.stderr


def test_refused_values_need_a_status_field(tmp_path: Path) -> None:
    from jiliang.energy.export import ExportError, load_profile

    shutil.copy(PROFILES / "generic-v1.schema.json", tmp_path / "generic-v1.schema.json")
    text = (PROFILES / "generic-v1.yaml").read_text(encoding="utf-8")
    path = tmp_path / "generic-v1.yaml"
    path.write_text(
        text.replace("  echo_field: ack\n", "  echo_field: ack\n  refused_values: [x]\n")
    )
    with pytest.raises(ExportError, match=r"ack.refused_values: needs ack.status_field"):
        load_profile(str(path))


def test_withdraw_from_the_command_line(site: Site) -> None:
    two_days(site)
    with Refusing({"20260501"}) as platform:
        assert export(*PERIOD, "--endpoint", platform.url).exit_code == 1
        first, second = rows()
        res = withdraw(
            "--message", first.message_id, "--reason", "code NM-4100-D unknown", "--json"
        )
        assert res.exit_code == 0, res.output
        shown = json.loads(res.stdout)
        assert shown["state"] == "withdrawn" and shown["reason"] == "code NM-4100-D unknown"
        first.refresh_from_db()
        assert first.state == "withdrawn" and first.withdraw_reason == "code NM-4100-D unknown"
        assert first.withdrawn_by.startswith("cli:") and first.withdrawn_at is not None
        assert first.last_error.startswith("HTTP 400")  # the platform's answer is kept
        # never sent again, not resurrected by building the same figures
        res = export(*PERIOD, "--endpoint", platform.url, "--json")
        assert res.exit_code == 0 and json.loads(res.stdout)["stored"] == 0
        assert len(platform.refused) == 1 and len(platform.received) == 1
        for args, message in (
            (["--reason", "again"], f"--message: {first.message_id}: already withdrawn by cli:"),
            (["--reason", "x"], "acknowledged by the platform on"),
            (["--reason", "  "], "--reason: a reason is required"),
            (["--reason", "x" * 501], "--reason: 501 characters, at most 500"),
        ):
            mid = second.message_id if "acknowledged" in message else first.message_id
            res = withdraw("--message", mid, *args)
            assert res.exit_code == 2, res.output
            assert message in res.stderr and "Traceback" not in res.output
        res = withdraw("--message", "f" * 32, "--reason", "x")
        assert res.exit_code == 2 and "no message of NM-ALU-01 with this id" in res.stderr
        res = runner.invoke(
            app, ["energy", "export-withdraw", "--user", "NOPE", "--message", "x", "--reason", "y"]
        )
        assert res.exit_code == 2 and "--user 'NOPE': no energy user" in res.stderr
    assert [(r.state, r.withdraw_reason) for r in rows()] == [
        ("withdrawn", "code NM-4100-D unknown"), ("acknowledged", ""),
    ]  # fmt: skip


def test_a_withdrawn_pending_day_lets_the_later_days_go_and_a_corrected_day_is_sent(
    site: Site,
) -> None:
    two_days(site)
    with Platform("msgId", "nm") as platform:
        platform.fail_next = 1  # 503: the first day stays sent, the second pending
        assert export(*PERIOD, "--endpoint", platform.url).exit_code == 1
        first, second = rows()
        res = withdraw("--message", first.message_id, "--reason", "E-LINE readings late")
        assert res.exit_code == 0, res.output
        res = export("--profile", "nm-v1", "--endpoint", platform.url)
        assert res.exit_code == 0, res.output
        assert [b["msgId"] for b in platform.received] == [second.message_id]
        # E-LINE's register readings arrive: 100.0 on May 1 00:00, 150.0 on May 2 00:00, so
        # May 1 has E-LINE = 50 kWh (multiplier 1): new figures, a new id, sent normally
        send(site.users["alu"], "m-late", [
            {"point": "E-LINE", "start": "2026-05-01T00:00:00+08:00", "value": 100.0},
            {"point": "E-LINE", "start": "2026-05-02T00:00:00+08:00", "value": 150.0},
        ])  # fmt: skip
        res = export(*PERIOD[:2], "--to", "2026-05-01", "--profile", "nm-v1",
                     "--endpoint", platform.url, "--json")  # fmt: skip
        assert res.exit_code == 0, res.output
        assert json.loads(res.stdout)["stored"] == 1
    corrected = platform.received[-1]
    assert corrected["msgId"] != first.message_id
    line = next(i for i in corrected["data"] if i["meterCode"] == "E-LINE")
    assert line["dataValue"] == 50.0 and line["statTime"] == "20260501000000"
    states = [(r.day.isoformat(), r.state) for r in rows()]
    assert sorted(states) == [
        ("2026-05-01", "acknowledged"), ("2026-05-01", "withdrawn"), ("2026-05-02", "acknowledged"),
    ]  # fmt: skip


def test_withdraw_on_the_page_staff_and_admin_only(site: Site) -> None:
    two_days(site)
    with Refusing({"20260501"}) as platform:
        assert export(*PERIOD, "--endpoint", platform.url).exit_code == 1
    first, second = rows()
    url = "/energy/users/NM-ALU-01/exports/withdraw/"
    form = {"message": first.message_id, "reason": "数据项编码未登记"}
    regulator = Client()
    regulator.force_login(site.users["reg_nm"])
    page = regulator.get("/energy/users/NM-ALU-01/exports/")
    assert page.status_code == 200 and 'name="reason"' not in page.content.decode()
    assert regulator.post(url, form).status_code == 403
    other = Client()
    other.force_login(site.users["other"])
    assert other.post(url, form).status_code == 404
    assert Client().post(url, form).status_code == 302  # to the login page
    staff = Client()
    staff.force_login(site.users["alu"])
    assert staff.get(url).status_code == 405
    page = staff.get("/energy/users/NM-ALU-01/exports/").content.decode()
    assert page.count('name="reason"') == 1  # the refused day; the acknowledged one has none
    assert rows()[0].state == "refused"  # nothing changed by the refused requests
    res = staff.post(url, {"message": first.message_id, "reason": ""}, follow=True)
    assert "reason: a reason is required" in res.content.decode()
    res = staff.post(url, form, follow=True)
    assert res.status_code == 200 and first.message_id in res.content.decode()
    first.refresh_from_db()
    assert (first.state, first.withdrawn_by, first.withdrawn_account) == (
        "withdrawn", "alu", site.users["alu"],
    )  # fmt: skip
    html = res.content.decode()
    assert "数据项编码未登记" in html and 'name="reason"' not in html
    admin = Client()
    admin.force_login(site.users["admin"])
    res = admin.post(url, {"message": second.message_id, "reason": "x"}, follow=True)
    assert "acknowledged by the platform" in res.content.decode()
    assert [r.state for r in rows()] == ["withdrawn", "acknowledged"]
