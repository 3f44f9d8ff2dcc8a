"""`jiliang energy evaluate`: the JSON contract and precise refusals (exit 2, no traceback)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jiliang.cli.main import app

from .helpers import at, hourly, readings, site

runner = CliRunner()
POINT = {"id": "E1", "variety": "electricity", "kind": "interval", "unit": "kWh",
         "interval_minutes": 60}  # fmt: skip


def test_json_contract_keys(tmp_path: Path) -> None:
    # 24 x 2 kWh = 48 kWh; 48 x 0.1229 / 1000 = 0.0058992 tce; 0.048 MWh x 0.5366 = 0.0257568 t
    site_path = site(tmp_path, [POINT], factors={"electricity": "grid-2022-statistics"})
    data = readings(tmp_path, hourly("E1", 1, [2.0] * 24))
    res = runner.invoke(app, ["energy", "evaluate", str(site_path), str(data), "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    days = doc["points"]["E1"]["days"]
    assert set(days[0]) >= {"day", "quantity", "unit", "completeness", "flags"}
    assert days[0]["day"] == "2026-01-01" and days[0]["quantity"] == pytest.approx(48.0)
    totals = doc["totals"]
    assert set(totals["by_variety"]["electricity"]) >= {"quantity", "unit", "tce"}
    assert totals["tce"] == pytest.approx(0.0058992)
    assert set(totals["co2"]) >= {"value", "u", "U", "k", "unit"}
    assert totals["co2"]["value"] == pytest.approx(0.0257568)


def test_human_output(tmp_path: Path) -> None:
    site_path = site(tmp_path, [POINT])
    data = readings(tmp_path, hourly("E1", 1, [2.0] * 24))
    res = runner.invoke(app, ["energy", "evaluate", str(site_path), str(data)])
    assert res.exit_code == 0, res.output
    assert "electricity" in res.stdout and "GB/T 2589-2020" in res.stdout


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"multiplier": 0}, "site.yaml: points[0].multiplier: must be a number > 0"),
        ({"kind": "pulse"}, "site.yaml: points[0].kind: must be register or interval"),
        ({"unit": "t"}, "site.yaml: points[0].unit: 't' is not a unit of electricity"),
        ({"interval_minutes": 7}, "site.yaml: points[0].interval_minutes: must be one of"),
        ({"legal": [{"from": "2026-01-01", "state": "ok"}]},
         "site.yaml: points[0].legal[0].state: must be one of verified, overdue"),
        ({"colour": "red"}, "site.yaml: points[0].colour: unknown field"),
    ],
)  # fmt: skip
def test_bad_site_exit_2_with_field_path(tmp_path: Path, change: dict, message: str) -> None:  # type: ignore[type-arg]
    site_path = site(tmp_path, [{**POINT, **change}])
    data = readings(tmp_path, hourly("E1", 1, [2.0] * 24))
    res = runner.invoke(app, ["energy", "evaluate", str(site_path), str(data)])
    assert res.exit_code == 2
    assert message in res.stderr
    assert "Traceback" not in res.output


def test_bad_factor_and_yaml(tmp_path: Path) -> None:
    data = readings(tmp_path, hourly("E1", 1, [2.0] * 24))
    site_path = site(tmp_path, [POINT], factors={"electricity": "grid-1999"})
    res = runner.invoke(app, ["energy", "evaluate", str(site_path), str(data)])
    assert (
        res.exit_code == 2 and "factors.electricity: unknown factor set 'grid-1999'" in res.stderr
    )
    site_path.write_text("points: [a, *b]\n", "utf-8")
    res = runner.invoke(app, ["energy", "evaluate", str(site_path), str(data)])
    assert res.exit_code == 2 and "site.yaml: line 1" in res.stderr


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (("E9", at(1, 3), 1.0), "r.csv: row 25 (line 26): point 'E9' is not a point of SITE.yaml"),
        (("E1", "2026-01-01T03:00:00", 1.0), "row 25 (line 26): time '2026-01-01T03:00:00' has no UTC offset"),
        (("E1", "soon", 1.0), "row 25 (line 26): time 'soon' is not an ISO 8601 timestamp"),
        (("E1", at(1, 3), "lots"), "row 25 (line 26): value 'lots' is not a number"),
    ],
)  # fmt: skip
def test_bad_readings_exit_2_with_row(tmp_path: Path, row: tuple, message: str) -> None:  # type: ignore[type-arg]
    site_path = site(tmp_path, [POINT])
    path = readings(tmp_path, hourly("E1", 1, [2.0] * 24))
    with path.open("a", encoding="utf-8") as handle:
        handle.write(",".join(str(x) for x in row) + "\n")
    res = runner.invoke(app, ["energy", "evaluate", str(site_path), str(path)])
    assert res.exit_code == 2, res.output
    assert message in res.stderr
    assert "Traceback" not in res.output


def test_missing_file_and_bad_engine(tmp_path: Path) -> None:
    site_path = site(tmp_path, [POINT])
    res = runner.invoke(app, ["energy", "evaluate", str(site_path), str(tmp_path / "no.csv")])
    assert res.exit_code == 2 and "no such file" in res.stderr
    res = runner.invoke(
        app, ["energy", "evaluate", str(site_path), str(tmp_path / "x.csv"), "--engine", "spark"]
    )
    assert res.exit_code == 2 and "--engine 'spark'" in res.stderr
