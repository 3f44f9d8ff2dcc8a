"""Demo content of the `market` app, built on the registry's demo world (idempotent).

Zibo: the Xinyuan farmers' market with stalls and their trade scales (some overdue, one with a
cheating function found in a closed, published campaign), a fuel station with nozzle results
drifting negative, an optician, three restaurants with unverified gas alarms (an open
campaign assigned to the inspector `market_inspector`), a failed prepackage inspection (count
test), complaints, and a listed model unit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

CAMPAIGN_CLOSED = "ZB-2026-JM01"
CAMPAIGN_OPEN = "ZB-2026-CY01"
INSPECTORS = (
    ("market_inspector", "张检查 Inspector Zhang"),
    ("market_inspector2", "李检查 Inspector Li"),
)


def _uscc(body: str) -> str:
    from jiliang.codes import uscc_check_character

    return body + uscc_check_character(body)


def build_market_demo(summary: Any) -> dict[str, Any]:
    """Create the market demo once; returns counts and the logins it adds."""
    from jiliang.accounts.models import User
    from jiliang.market.models import Campaign

    logins = {name: "regulator" for name, _ in INSPECTORS}
    if Campaign.objects.filter(code=CAMPAIGN_CLOSED).exists():
        return {"created": False, "logins": logins}
    market_user = User.objects.filter(username="market").select_related("institution").first()
    reg_user = User.objects.filter(username="regulator_zibo").select_related("institution").first()
    if market_user is None or reg_user is None or market_user.institution is None:
        return {"created": False, "skipped": "registry demo without the Zibo market"}
    today = getattr(summary, "today", None) or dt.date.today()
    password = getattr(summary, "password", "demo12345")
    with transaction.atomic():
        counts = _build(market_user.institution, reg_user, today, password)
    return {"created": True, "logins": logins, **counts}


def _institution(name: str, body: str, division: str) -> Any:
    from jiliang.registry.models import Institution

    inst, _ = Institution.objects.get_or_create(
        uscc=_uscc(body),
        defaults={"name_zh": name, "kind": Institution.Kind.ENTERPRISE, "division_code": division},
    )
    return inst


def _build(market_inst: Any, reg_user: Any, today: dt.date, password: str) -> dict[str, int]:
    from jiliang.accounts.models import User
    from jiliang.market import cases, honest, prepack, services
    from jiliang.market.models import Complaint, ModelUnit, NozzleResult, Premises
    from jiliang.registry.models import CatalogueItem, Instrument

    regulator = reg_user.institution
    inspectors = []
    for name, display in INSPECTORS:
        user = User.objects.filter(username=name).first()
        if user is None:
            user = User.objects.create_user(
                name,
                password=password,
                institution=regulator,
                role="regulator",
                display_name=display,
            )
        inspectors.append(user)
    division = market_inst.division_code
    market = Premises.objects.create(
        code="ZB-MKT-001",
        name=market_inst.name_zh,
        kind="market",
        owner=market_inst,
        division_code=division,
        address=market_inst.address,
    )
    scales = list(
        Instrument.objects.filter(owner=market_inst, category__number="C01", unit="kg").order_by(
            "serial_number"
        )[:12]
    )
    overdue = [s for s in scales if services.instrument_state(s, today) != "valid"]
    valid = [s for s in scales if services.instrument_state(s, today) == "valid"]
    stalls = []
    for i in range(6):
        stall = Premises.objects.create(
            code=f"ZB-MKT-001-{i + 1:02d}",
            name=f"{market_inst.name_zh} {i + 1}号摊位",
            kind="stall",
            owner=market_inst,
            parent=market,
            division_code=division,
            trader=f"摊主{i + 1}",
        )
        stall.instruments.add(*scales[2 * i : 2 * i + 2])
        stalls.append(stall)
    market.instruments.add(*scales)
    cheat_scale = (valid or scales)[0]

    def place(
        code: str,
        name: str,
        kind: str,
        body: str,
        category: str | None,
        instrument: str,
        n: int,
        area: str,
    ) -> Any:
        owner = _institution(name, body, division)
        premises = Premises.objects.create(
            code=code, name=name, kind=kind, owner=owner, division_code=division
        )
        item = CatalogueItem.objects.filter(number=category).first() if category else None
        made = [
            Instrument.objects.get_or_create(
                owner=owner,
                serial_number=f"{code}-{j + 1:02d}",
                defaults={
                    "name": instrument,
                    "category": item,
                    "use_area": area,
                    "division_code": division,
                },
            )[0]
            for j in range(n)
        ]
        premises.instruments.add(*made)
        return premises, made

    station, nozzles = place(
        "ZB-FUEL-001",
        "淄博某加油站 (演示)",
        "fuel_station",
        "91370303MA000M01",
        "C07",
        "燃油加油机 Fuel dispenser",
        4,
        "trade",
    )
    for year, errs in (
        (today.year - 2, (-0.02, 0.05, -0.04, 0.01)),
        (today.year - 1, (-0.06, -0.03, -0.08, -0.02)),
        (today.year, (-0.09, -0.07, -0.12, -0.05)),
    ):
        for nozzle, err in zip(nozzles, errs, strict=True):
            NozzleResult.objects.create(
                instrument=nozzle,
                premises=station,
                tested_on=dt.date(year, 3, 1),
                error_percent=err,
            )
    place(
        "ZB-OPT-001",
        "淄博某眼镜店 (演示)",
        "optician",
        "91370303MA000M02",
        None,
        "焦度计 Lensmeter",
        2,
        "medical",
    )
    restaurants = [
        place(
            f"ZB-REST-{k:03d}",
            f"淄博某餐馆{k}号 (演示)",
            "restaurant",
            f"91370303MA000R0{k}",
            "C12",
            "可燃气体报警器 Gas alarm",
            2,
            "safety",
        )[0]
        for k in (1, 2, 3)
    ]
    # Closed, published campaign: the market, a cheating function found, notice and case.
    c1 = services.plan_campaign(
        reg_user,
        code=CAMPAIGN_CLOSED,
        title="集贸市场计量专项检查 (演示)",
        region=division[:4],
        premises_kind="market",
        starts_on=today - dt.timedelta(days=30),
        ends_on=today - dt.timedelta(days=1),
        premises_count=1,
        inspectors_count=1,
    )
    c1 = services.draw_campaign(reg_user, c1, seed="jiliang-demo-2026-jm01")
    insp = c1.inspections.get()
    who = insp.inspector
    finding = services.add_finding(
        who,
        insp,
        kind="cheating",
        instrument_id=cheat_scale.pk,
        note="发现遥控作弊装置",
        today=today,
    )
    for s in overdue[:2]:
        services.add_finding(
            who,
            insp,
            kind="overdue" if s.due_date else "not_verified",
            instrument_id=s.pk,
            today=today,
        )
    services.sign(
        who, insp, name="", refused=True, answers={"register_filed": True, "check_scale": True}
    )
    services.issue_notice(
        who,
        insp,
        requirements="停止使用作弊计价秤, 超期计价秤送检",
        deadline=today + dt.timedelta(days=15),
    )
    case = cases.open_case(reg_user, finding, basis_code="market-cheating")
    cases.decide_case(
        reg_user,
        case,
        decision="没收作弊计价秤, 罚款",
        fine="20000",
        deadline=today + dt.timedelta(days=15),
    )
    cases.close_campaign(reg_user, c1)
    # Open campaign: gas alarms in restaurants, assigned to market_inspector.
    c2 = services.plan_campaign(
        reg_user,
        code=CAMPAIGN_OPEN,
        title="餐饮场所燃气报警器专项检查 (演示)",
        region=division[:4],
        premises_kind="restaurant",
        starts_on=today,
        ends_on=today + dt.timedelta(days=30),
        premises_count=len(restaurants),
        inspectors_count=len(services.candidate_inspectors(c1)),
        categories=["C12"],
    )
    services.draw_campaign(reg_user, c2, seed="jiliang-demo-2026-cy01")
    # Complaints: two justified ones against stall 3 flag its contract's termination.
    for text in ("秤不准, 少称二两", "再次少称"):
        complaint = Complaint.objects.create(premises=stalls[2], text=text)
        honest.judge_complaint(complaint, True)
    # Model unit: the market, listed.
    unit = ModelUnit.objects.create(
        premises=market, committed_on=today - dt.timedelta(days=90), state="applied"
    )
    honest.evaluate_unit(
        unit,
        {"commitment": 10, "instruments": 25, "management": 18, "prepack": 16, "complaints": 15},
        today - dt.timedelta(days=30),
    )
    # Prepackage inspection failing on the count test (5 kg rice, N 200 -> n 50, c 3; four
    # packages 90 g short, T = 75 g: t1 = 4 > 3; mean 5.0112 kg passes the average test).
    fine_scale = next((s for s in valid if s.mpe is not None and s.mpe <= 0.015), None)
    prepacks = 0
    if fine_scale is not None:
        prepack.record(
            reg_user,
            product="大米 (演示)",
            producer="某粮油有限公司",
            lot_code="20260301",
            nominal="5",
            unit="kg",
            lot_size="200",
            values_text=" ".join(["5.02"] * 46 + ["4.91"] * 4),
            tare="",
            scale_serial=fine_scale.serial_number,
        )
        prepacks = 1
    return {"premises": Premises.objects.count(), "campaigns": 2, "prepack_inspections": prepacks}
