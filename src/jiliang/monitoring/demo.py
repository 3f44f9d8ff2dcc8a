"""Demo content of the `monitoring` app, built on the registry's demo world (idempotent).

Three key energy users: the aluminium plant of the seeds (齐都铝业, Zibo, already in the
registry demo), a steel plant in Baotou and a cement plant in Wuhai (Inner Mongolia, division
codes 15xxxx), each with a metering tree whose meters are registered instruments with
certificates. 90 days of 15-minute data end yesterday, sent through the same ingest path as
the API, with gaps, a register rollover (steel boundary meter), a replaced meter (steel
rolling mill, with its replacement event) and an overdue meter (cement feeder 2, whose
certificate expired 20 days ago). The cement plant stopped uploading two days ago, so the
regulator's view shows a missing-upload alert. No broker, no PostgreSQL needed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

CST = dt.timezone(dt.timedelta(hours=8))
DAYS = 90
PERIODS = 96  # 15-minute periods a day
REGULATOR = ("内蒙古自治区市场监督管理局", "150000", "11150000MB0R0R01")
LAB = ("内蒙古自治区计量测试研究院", "150100", "12150000MB0R0R02")
PLANTS: list[dict[str, Any]] = [
    {
        "key": "alu",
        "institution": "齐都铝业有限公司",
        "login": "alu_plant",
        "code": "QD-ALU-01",
        "electricity_category": "I",  # GB 17167 Table 4
        "sector": "电解铝 aluminium electrolysis",
        "product": "原铝",
        "annual_output": 250_000.0,
        "output_unit": "t",
        "points": [
            ("E-IN", "B", "electricity", "kWh", 10_000.0, 999_999.99, "register", "0.2S", 2.4),
            ("E-POT", "POT", "electricity", "kWh", 10_000.0, 999_999.99, "register", "0.5S", 2.2),
            ("GAS", "B", "natural_gas", "m3", 1.0, None, "interval", "1.0", 300.0),
        ],
    },
    {
        "key": "steel",
        "institution": "包头钢联特钢有限公司",
        "uscc": "91150203MB0R0R03",
        "division": "150203",
        "login": "energy_steel",
        "code": "NM-STEEL-01",
        "electricity_category": "II",  # GB 17167 Table 4
        "sector": "钢铁 steel",
        "product": "粗钢",
        "annual_output": 1_200_000.0,
        "output_unit": "t",
        "points": [
            ("E-IN", "B", "electricity", "kWh", 5_000.0, 99_999.99, "register", "0.2S", 3.0),
            ("E-RM", "B", "electricity", "kWh", 1_000.0, 999_999.9, "register", "0.5S", 4.0),
            ("COAL", "B", "raw_coal", "t", 1.0, None, "interval", "0.5", 18.0),
        ],
    },
    {
        "key": "cement",
        "institution": "乌海蒙西水泥有限公司",
        "uscc": "91150302MB0R0R04",
        "division": "150302",
        "login": "energy_cement",
        "code": "NM-CEMENT-01",
        "electricity_category": "II",  # GB 17167 Table 4
        "sector": "水泥 cement",
        "product": "熟料",
        "annual_output": 1_500_000.0,
        "output_unit": "t",
        "points": [
            ("E-IN1", "B", "electricity", "kWh", 2_000.0, 999_999.9, "register", "0.2S", 2.5),
            ("E-IN2", "B", "electricity", "kWh", 2_000.0, 999_999.9, "register", "0.2S", 1.5),
            ("COAL", "B", "raw_coal", "t", 1.0, None, "interval", "0.5", 6.0),
        ],
    },
]
NODES = {
    "B": ("厂区边界", 1, None),
    "POT": ("电解车间", 2, "B"),
    "RM": ("轧钢车间", 2, "B"),
}


def _uscc(body: str) -> str:
    from jiliang.codes import uscc_check_character

    return body + uscc_check_character(body)


def _institution(name: str, kind: str, division: str, uscc_body: str) -> Any:
    from jiliang.registry.models import Institution

    found = Institution.objects.filter(name_zh=name).first()
    if found is not None:
        return found
    return Institution.objects.create(
        name_zh=name, kind=kind, division_code=division, uscc=_uscc(uscc_body)
    )


def _login(username: str, institution: Any, role: str, password: str) -> None:
    from django.contrib.auth.hashers import make_password

    from jiliang.accounts.models import User

    if not User.objects.filter(username=username).exists():
        User.objects.create(
            username=username,
            password=make_password(password),
            institution=institution,
            role=role,
            display_name=institution.name_zh,
            staff_roles=["manager"],
        )


def _meter(
    plant: Any, lab: Any, serial: str, accuracy: str, unit: str, valid: tuple[Any, Any]
) -> Any:
    from jiliang.registry.models import Certificate, Instrument

    meter = Instrument.objects.create(
        owner=plant,
        name="电能表" if unit == "kWh" else ("皮带秤" if unit == "t" else "燃气流量计"),
        division_code=plant.division_code,
        serial_number=serial,
        accuracy_class=accuracy,
        unit=unit,
    )
    Certificate.objects.create(
        number=f"NMJL-{serial}",
        kind="verification",
        issuer=lab,
        instrument=meter,
        regulation="JJG 596-2012" if unit == "kWh" else "JJG 195-2019",
        calibration_date=valid[0],
        issued_on=valid[0],
        valid_until=valid[1],
        conclusion="pass",
        accuracy_class=accuracy,
    )
    return meter


def build_monitoring_demo(summary: Any) -> dict[str, Any]:
    """Build the three energy users and their 90 days of data once; later calls summarise."""
    from jiliang.monitoring.models import EnergyUser

    if EnergyUser.objects.filter(code=PLANTS[-1]["code"]).exists():
        return _summary()
    today: dt.date = summary.today
    password: str = getattr(summary, "password", "demo12345")
    regulator = _institution(REGULATOR[0], "regulator", REGULATOR[1], REGULATOR[2])
    lab = _institution(LAB[0], "legal_provincial", LAB[1], LAB[2])
    _login("regulator_nm", regulator, "regulator", password)
    for spec in PLANTS:
        _plant(spec, today, lab, password)
    _report(today)
    return _summary()


def _plant(spec: dict[str, Any], today: dt.date, lab: Any, password: str) -> None:
    from jiliang.monitoring.models import MeasurementPoint, MeterReplacement
    from jiliang.monitoring.sites import define_site
    from jiliang.registry.models import Institution

    if "uscc" in spec:
        plant = _institution(spec["institution"], "enterprise", spec["division"], spec["uscc"])
    else:
        plant = Institution.objects.filter(name_zh=spec["institution"]).first()
        if plant is None:
            plant = _institution(spec["institution"], "enterprise", "370305", "91370305MB0R0R05")
    _login(spec["login"], plant, "owner", password)
    valid = (today - dt.timedelta(days=200), today + dt.timedelta(days=530))
    expired = (today - dt.timedelta(days=750), today - dt.timedelta(days=20))
    points = []
    used_nodes = set()
    for code, node, variety, unit, mult, rollover, kind, accuracy, _rate in spec["points"]:
        window = expired if (spec["key"], code) == ("cement", "E-IN2") else valid
        serial = f"{spec['code']}-{code}"
        meter = _meter(plant, lab, serial, accuracy, unit, window)
        used_nodes.add(node)
        points.append(
            {
                "code": code,
                "node": node,
                "variety": variety,
                "unit": unit,
                "multiplier": mult,
                "rollover": rollover,
                "kind": kind,
                "instrument": meter,
                "purchased": node == "B",
            }
        )
    nodes = [
        {"code": key, "name": NODES[key][0], "level": NODES[key][1], "parent": NODES[key][2]}
        for key in ("B", "POT", "RM")
        if key in used_nodes or key == "B"
    ]
    energy_user = define_site(
        plant,
        {
            "code": spec["code"],
            "sector": spec["sector"],
            "product": spec["product"],
            "annual_output": spec["annual_output"],
            "output_unit": spec["output_unit"],
            "electricity_category": spec["electricity_category"],
            "nodes": nodes,
            "points": points,
        },
    )
    replaced = _send_readings(spec, energy_user, today)
    if replaced is not None:
        point = MeasurementPoint.objects.get(user=energy_user, code="E-RM")
        MeterReplacement.objects.create(
            point=point, time=replaced[0], old_final=replaced[1], new_initial=replaced[2]
        )


def _send_readings(
    spec: dict[str, Any], energy_user: Any, today: dt.date
) -> tuple[dt.datetime, float, float] | None:
    """Generate and ingest the plant's readings, ten days per batch; returns the meter
    replacement (time, old final, new initial) when the plant has one."""
    import numpy as np

    from jiliang.accounts.models import User
    from jiliang.monitoring.ingest import ingest

    rng = np.random.default_rng(2026 + len(spec["code"]))
    first = dt.datetime.combine(today - dt.timedelta(days=DAYS), dt.time(), CST)
    stop_days = DAYS - 2 if spec["key"] == "cement" else DAYS  # cement stopped uploading
    n = stop_days * PERIODS
    hours = (np.arange(n + 1) % PERIODS) / 4.0
    profile = 1.0 + 0.08 * np.sin(2 * np.pi * (hours - 6.0) / 24.0)
    series: dict[str, np.ndarray] = {}
    replaced = None
    for code, _node, _variety, _unit, _mult, rollover, kind, _acc, rate in spec["points"]:
        step = rate * profile * (1.0 + 0.03 * rng.standard_normal(n + 1))
        if kind == "interval":
            series[code] = np.round(step[:n], 3)
            continue
        start = 0.0
        if (spec["key"], code) == ("steel", "E-IN"):
            start = rollover - 150.0  # crosses the rollover after about 50 periods
        register = start + np.concatenate([[0.0], np.cumsum(step[:n])])
        if (spec["key"], code) == ("steel", "E-RM"):
            at = 50 * PERIODS + 42  # day 50, 10:30: the old meter is replaced
            old_final = float(np.round(register[at], 2))
            register[at:] = register[at:] - register[at]  # the new meter starts at 0.0
            replaced = (first + dt.timedelta(minutes=15 * at), old_final, 0.0)
        if rollover:
            modulus = rollover + 0.01 if rollover % 1 > 0.95 else rollover + 0.1
            register = np.mod(register, modulus)
        series[code] = np.round(register, 2)
    times = [(first + dt.timedelta(minutes=15 * i)).isoformat() for i in range(n + 1)]
    # gaps: a 6-hour outage of the gateway on day 20, one point silent for all of day 35
    gap = set(range(20 * PERIODS + 40, 20 * PERIODS + 64))
    silent = set(range(35 * PERIODS, 36 * PERIODS))
    sender = User.objects.get(username=spec["login"])  # the enterprise uploads its own
    for batch_start in range(0, n + 1, 10 * PERIODS):
        items = []
        for i in range(batch_start, min(batch_start + 10 * PERIODS, n + 1)):
            if i in gap:
                continue
            for k, (code, *_rest) in enumerate(spec["points"]):
                kind = spec["points"][k][6]
                if kind == "interval" and i >= n:
                    continue
                if k == 0 and i in silent:
                    continue
                value = float(series[code][i])
                items.append({"point": code, "start": times[i], "value": value, "kind": kind})
        if items:
            message = f"demo-{batch_start // PERIODS:03d}"
            ingest({"message_id": message, "user": spec["code"], "items": items}, sender, "api")
    return replaced


def _report(today: dt.date) -> None:
    """The aluminium plant's report of the last complete month (signed, in the log)."""
    from jiliang.monitoring.models import EnergyUser
    from jiliang.monitoring.reports import issue

    energy_user = EnergyUser.objects.get(code=PLANTS[0]["code"])
    month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    issue(energy_user, "month", month)


def _summary() -> dict[str, Any]:
    from jiliang.monitoring.models import EnergyUser, MrvReport, UploadBatch

    return {
        "energy_users": EnergyUser.objects.count(),
        "batches": UploadBatch.objects.count(),
        "reports": MrvReport.objects.count(),
        "logins": {
            "alu_plant": "owner",
            "energy_steel": "owner",
            "energy_cement": "owner",
            "regulator_nm": "regulator",
        },
    }
