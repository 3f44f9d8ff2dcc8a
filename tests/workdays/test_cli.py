"""`jiliang deadline` contract: the due date, its JSON keys, exit 2 on bad input."""

from __future__ import annotations

import json

import typer
from typer.testing import CliRunner

from jiliang.cli import deadline

runner = CliRunner()
app = typer.Typer()
deadline.register(app)
app.command("noop")(lambda: None)  # a second command, so typer keeps the sub-command name

KEYS = {
    "start",
    "working_days",
    "pauses",
    "due",
    "calendar",
    "calendar_version",
    "assumed_weekdays",
    "warning",
}


def test_plain_and_json() -> None:
    # 国办发明电〔2024〕12号: 1-8 Oct 2025 off, Sun 28 Sep and Sat 11 Oct work;
    # Fri 26 Sep + 5: Sun 28, Mon 29, Tue 30, Thu 9, Fri 10
    result = runner.invoke(app, ["deadline", "2025-09-26", "--working-days", "5"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "2025-10-10"
    result = runner.invoke(
        app,
        [
            "deadline",
            "2025-03-03",
            "--working-days",
            "10",
            "--pause",
            "2025-03-10:2025-03-14",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == KEYS
    assert data["due"] == "2025-03-24"
    assert data["pauses"] == [{"from": "2025-03-10", "to": "2025-03-14"}]
    assert data["calendar"] == "chinese-calendar"
    assert data["warning"] is None


def test_bad_input_exits_2() -> None:
    cases = {
        ("2025-02-30", "-n", "3"): "START",
        ("2025-02-03", "-n", "-3"): "--working-days",
        ("2025-02-03", "-n", "3", "--pause", "2025-02-10"): "--pause",
        ("2025-02-03", "-n", "3", "--pause", "2025-02-10:2025-02-01"): "ends before",
    }
    for args, words in cases.items():
        result = runner.invoke(app, ["deadline", *args])
        assert result.exit_code == 2, (args, result.output)
        assert words in result.output
        assert "Traceback" not in result.output


def test_unknown_year() -> None:
    from jiliang.workdays import known_years

    year = known_years()[1] + 1
    result = runner.invoke(app, ["deadline", f"{year}-03-01", "-n", "3"])
    assert result.exit_code == 2
    assert f"no official calendar for {year}" in result.output
    result = runner.invoke(
        app, ["deadline", f"{year}-03-01", "-n", "3", "--assume-weekdays", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["assumed_weekdays"] == [year]
