"""CMC matching against hand-computed uncertainties (issue 16 "Done when").

Every expected U below is worked out in the comment next to it from the CMC statements in
docs/examples/cmc/cmcs.yaml, not from the code under test.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from jiliang.capability import (
    CapabilityError,
    Location,
    cmc_from_dict,
    demand_from_dict,
    distance_km,
    load_cmcs,
    load_demand,
    match,
    u_at,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "cmc"
SCRIPT = Path(sys.executable).parent / "jiliang"


def _cmcs() -> dict[str, object]:
    return {c.id: c for c in load_cmcs(EXAMPLES / "cmcs.yaml")}


def test_equation_cmc_at_100_mm() -> None:
    # U = 0.05 µm + 0.0005 µm/mm · L; at L = 100 mm: 0.05 + 0.05 = 0.10 µm = 0.0001 mm
    cmc = _cmcs()["SH-L-001"]
    assert u_at(cmc, 100.0) == pytest.approx(0.0001, rel=1e-12)


def test_table_cmc_between_rows_takes_the_larger_neighbour() -> None:
    cmc = _cmcs()["NJ-P-002"]
    assert u_at(cmc, 1.0) == pytest.approx(0.0004)  # a tabulated point: its own value
    assert u_at(cmc, 2.5) == pytest.approx(0.003)  # between 1 and 10 MPa: max(0.0004, 0.003)
    assert u_at(cmc, 0.05) is None  # below the table: the CMC states nothing


def test_relative_cmc() -> None:
    # 0.02 % of 2.5 MPa = 0.0002 × 2.5 = 0.0005 MPa
    assert u_at(_cmcs()["SH-P-001"], 2.5) == pytest.approx(0.0005)


def test_demand_in_kpa_against_cmcs_in_mpa() -> None:
    result = match(load_cmcs(EXAMPLES / "cmcs.yaml"), load_demand(EXAMPLES / "demand.yaml"))
    found = {m.cmc.id: m for m in result.matches}
    # SH-P-001: 0.02 % × 2500 kPa = 0.5 kPa (k = 2) <= 1 kPa
    assert found["SH-P-001"].u == pytest.approx(0.5)
    assert found["SH-P-001"].unit == "kPa"
    # HZ-P-001: 0.9 kPa at k = 3 is u = 0.3 kPa; at the demand's k = 2: 0.6 kPa <= 1 kPa
    assert found["HZ-P-001"].u == pytest.approx(0.6)
    reasons = {e.cmc.id: e.reason for e in result.excluded}
    # NJ-P-002: 0.003 MPa = 3 kPa > 1 kPa
    assert "3 kPa" in reasons["NJ-P-002"] and "exceeds" in reasons["NJ-P-002"]
    # NJ-P-003: range 0–1 MPa; 2500 kPa = 2.5 MPa lies outside
    assert "outside the range" in reasons["NJ-P-003"]
    assert "quantity" in reasons["SH-T-001"] and "quantity" in reasons["SH-L-001"]
    # Ranking by distance from Suzhou: Shanghai (~80 km) before Hangzhou (~120 km)
    assert [m.cmc.id for m in result.matches] == ["SH-P-001", "HZ-P-001"]


def test_haversine_one_degree_of_meridian() -> None:
    # one degree of a great circle on the IUGG mean sphere: 2π × 6371.0088 km / 360
    expected = 2 * math.pi * 6371.0088 / 360
    assert distance_km(Location(lat=0.0, lon=0.0), Location(lat=1.0, lon=0.0)) == pytest.approx(
        expected, rel=1e-12
    )
    assert distance_km(Location(), Location(lat=1.0, lon=0.0)) is None


def test_range_demand_checks_its_worst_point() -> None:
    # equation CMC at both ends of 10–90 mm: U(90) = 0.05 + 0.045 = 0.095 µm is the worst
    demand = demand_from_dict(
        {
            "quantity": "length",
            "range": {"min": 10, "max": 90, "unit": "mm"},
            "required_U": {"value": 0.1, "unit": "um"},
        }
    )
    result = match([_cmcs()["SH-L-001"]], demand)
    assert result.matches[0].u == pytest.approx(0.095)
    demand = demand_from_dict(
        {
            "quantity": "length",
            "range": {"min": 10, "max": 90, "unit": "mm"},
            "required_U": {"value": 0.09, "unit": "um"},
        }
    )
    assert match([_cmcs()["SH-L-001"]], demand).matches == []


@pytest.mark.parametrize(
    ("patch", "where"),
    [
        (
            {"uncertainty": {"kind": "equation", "expression": "__import__('os')", "unit": "um"}},
            "expression",
        ),
        ({"uncertainty": {"kind": "wild", "unit": "um"}}, "uncertainty.kind"),
        ({"range": {"min": 5, "max": 1, "unit": "mm"}}, "range"),
        (
            {"uncertainty": {"kind": "table", "unit": "um", "points": [[1, 0.1], [1, 0.2]]}},
            "points",
        ),
    ],
)
def test_bad_cmc_names_the_field(patch: dict[str, object], where: str) -> None:
    base = {
        "id": "X",
        "institution": "I",
        "quantity": "length",
        "range": {"min": 0, "max": 10, "unit": "mm"},
        "uncertainty": {"kind": "value", "value": 1, "unit": "um"},
    }
    with pytest.raises(CapabilityError) as caught:
        cmc_from_dict({**base, **patch})
    assert where in caught.value.where


def test_cli_contract_json() -> None:
    proc = subprocess.run(
        [
            str(SCRIPT),
            "cmc",
            "match",
            str(EXAMPLES / "cmcs.yaml"),
            str(EXAMPLES / "demand.yaml"),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    body = json.loads(proc.stdout)
    assert [(m["id"], m["institution"], m["U"], m["unit"]) for m in body["matches"]] == [
        ("SH-P-001", "上海市计量测试技术研究院", 0.5, "kPa"),
        ("HZ-P-001", "浙江省计量科学研究院", 0.6, "kPa"),
    ]
    assert {e["id"] for e in body["excluded"]} == {"NJ-P-002", "NJ-P-003", "SH-T-001", "SH-L-001"}
    assert all(e["reason"] for e in body["excluded"])


def test_cli_bad_file_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "cmcs.yaml"
    bad.write_text("cmcs:\n  - id: A\n    quantity: [\n", encoding="utf-8")
    proc = subprocess.run(
        [str(SCRIPT), "cmc", "match", str(bad), str(EXAMPLES / "demand.yaml")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "cmcs.yaml" in proc.stderr


def test_temperature_uncertainty_is_a_difference() -> None:
    # U = 0.01 K stated for a range in °C: at 100 °C it is 0.01 °C (an interval), not -273.14
    demand = demand_from_dict(
        {
            "quantity": "temperature",
            "value": 100,
            "unit": "degC",
            "required_U": {"value": 0.02, "unit": "degC"},
        }
    )
    result = match([_cmcs()["SH-T-001"]], demand)
    assert result.matches[0].u == pytest.approx(0.01)
