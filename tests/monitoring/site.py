"""A small energy user for the monitoring tests: an aluminium smelter in Baotou (150200)
with two electricity meters (one verified, one whose certificate expired) and a gas meter
with no registered instrument. Dates are fixed so the legal states are exact."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

PLANT_USCC = "91150200MA0R0R01"
LAB_USCC = "12150000MA0R0R02"
OTHER_USCC = "91150200MA0R0R03"
REG_USCC = "11150000MA0R0R04"


def _uscc(body: str) -> str:
    from jiliang.codes import uscc_check_character

    return body + uscc_check_character(body)


@dataclass
class Site:
    plant: Any
    other: Any
    regulator: Any
    energy_user: Any
    users: dict[str, Any]
    meters: dict[str, Any]


def build_site() -> Site:
    from jiliang.accounts.models import User
    from jiliang.monitoring.sites import define_site
    from jiliang.registry.models import Certificate, Institution, Instrument

    inst = Institution.objects.create
    lab = inst(
        name_zh="内蒙古计量测试研究院",
        kind="legal_provincial",
        division_code="150100",
        uscc=_uscc(LAB_USCC),
    )
    plant = inst(
        name_zh="包头测试铝业", kind="enterprise", division_code="150200", uscc=_uscc(PLANT_USCC)
    )
    other = inst(
        name_zh="包头另一企业", kind="enterprise", division_code="150200", uscc=_uscc(OTHER_USCC)
    )
    regulator = inst(
        name_zh="内蒙古自治区市场监督管理局",
        kind="regulator",
        division_code="150000",
        uscc=_uscc(REG_USCC),
    )
    meters = {}
    for key, serial in (("main", "E-0001"), ("line", "E-0002")):
        meters[key] = Instrument.objects.create(
            owner=plant,
            name="电能表",
            division_code="150200",
            serial_number=serial,
            accuracy_class="0.5S",
            unit="kWh",
        )

    def certify(number: str, meter: Any, day: dt.date, until: dt.date, conclusion: str) -> None:
        Certificate.objects.create(
            number=number,
            kind="verification",
            issuer=lab,
            instrument=meter,
            regulation="JJG 596-2012",
            calibration_date=day,
            issued_on=day,
            valid_until=until,
            conclusion=conclusion,
            accuracy_class="0.5S",
        )

    # main: verified 2025-06-01 .. 2027-05-31; line: verified until 2026-04-30, then overdue
    certify("NM-2025-0001", meters["main"], dt.date(2025, 6, 1), dt.date(2027, 5, 31), "pass")
    certify("NM-2024-0002", meters["line"], dt.date(2024, 5, 1), dt.date(2026, 4, 30), "pass")
    energy_user = define_site(
        plant,
        {
            "code": "NM-ALU-01",
            "sector": "aluminium",
            "nodes": [
                {"code": "B", "name": "厂区", "level": 1},
                {"code": "POT", "name": "电解车间", "level": 2, "parent": "B"},
            ],
            "points": [
                {
                    "code": "E-MAIN",
                    "node": "B",
                    "variety": "electricity",
                    "unit": "kWh",
                    "multiplier": 100.0,
                    "rollover": 99999.9,
                    "instrument": meters["main"],
                },
                {
                    "code": "E-LINE",
                    "node": "POT",
                    "variety": "electricity",
                    "unit": "kWh",
                    "multiplier": 1.0,
                    "instrument": meters["line"],
                    "purchased": False,
                },
                {
                    "code": "GAS",
                    "node": "B",
                    "variety": "natural_gas",
                    "unit": "m3",
                    "kind": "interval",
                },
            ],
        },
    )
    users = {}
    for name, owner, role in (
        ("alu", plant, "owner"),
        ("other", other, "owner"),
        ("reg_nm", regulator, "regulator"),
    ):
        users[name] = User.objects.create_user(
            name, password="pw-test-123", institution=owner, role=role
        )
    users["admin"] = User.objects.create_superuser("admin", password="pw-test-123", role="admin")
    return Site(plant, other, regulator, energy_user, users, meters)
