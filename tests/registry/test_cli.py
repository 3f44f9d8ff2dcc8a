"""The platform CLI, run in-process with typer's runner against the test database."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from jiliang.cli.main import app

runner = CliRunner()


def test_trace_up_json_and_text(world) -> None:
    result = runner.invoke(
        app,
        ["trace", "up", "SCALE-0001", "--format", "json", "--on", "2026-06-01", "--user", "market"],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["valid"] and data["terminals"] == ["national_primary:GJJ(力)0101"]
    text = runner.invoke(
        app, ["trace", "up", str(world.scale.pk), "--on", "2026-06-01", "--user", "market"]
    )
    assert "GJJ(力)0101" in text.stdout and "valid" in text.stdout


def test_trace_is_scoped_to_the_user(world) -> None:
    result = runner.invoke(app, ["trace", "up", "SCALE-0001", "--user", "taxi"])
    assert result.exit_code == 2
    assert "no instrument 'SCALE-0001' visible to you" in result.stderr


def test_trace_down_counts(world) -> None:
    result = runner.invoke(
        app, ["trace", "down", "GJJ(力)0101", "--format", "json", "--user", "admin"]
    )
    data = json.loads(result.stdout)
    assert data["certificate_count"] == 3 and data["instrument_count"] == 3


def test_import_reports_rows_and_exit_status(world, tmp_path) -> None:
    path = tmp_path / "i.csv"
    path.write_text(
        "owner_uscc,name,serial_number,division_code\n"
        f"{world.market.uscc},秤,CLI-1,370303\n"
        f"{world.market.uscc},秤,CLI-2,37030\n",
        encoding="utf-8",
    )
    bad = runner.invoke(app, ["import", "instruments", str(path), "--user", "market"])
    assert bad.exit_code == 1
    assert "i.csv, row 3, field 'division_code'" in bad.stderr
    assert "nothing was imported" in bad.stderr
    path.write_text(
        f"owner_uscc,name,serial_number,division_code\n{world.market.uscc},秤,CLI-1,370303\n",
        encoding="utf-8",
    )
    good = runner.invoke(app, ["import", "instruments", str(path), "--user", "market"])
    assert good.exit_code == 0 and "imported 1 instruments" in good.stdout
    anonymous = runner.invoke(app, ["import", "instruments", str(path)])
    assert anonymous.exit_code == 2


def test_due_and_impact(world) -> None:
    due = runner.invoke(app, ["due", "--format", "json", "--user", "reg_bj"])
    assert [d["serial_number"] for d in json.loads(due.stdout)] == ["TAXI-0001"]
    impact = runner.invoke(app, ["impact", "SD-E2-001", "--since", "2026-01-10", "--user", "admin"])
    assert impact.exit_code == 0
    assert "2 certificates, 2 customers to notify" in impact.stdout
    bad = runner.invoke(app, ["impact", "SD-E2-001", "--since", "soon", "--user", "admin"])
    assert bad.exit_code == 2
