"""Demo content of the `services` app, built on the registry's demo world (idempotent).

- a new M2 weights standard of the Zibo institute (equipment traced by a Shandong
  certificate) with no examination certificate yet: the standard an application is for;
- applications in every state, through the workflow engine itself (so every decision is
  signed and logged), dated back from the demo's day; one accepted long ago is overdue and
  escalated to the provincial regulator;
- a filing of the Xinyuan market's scales, two of them booked with the Zibo institute.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from jiliang.accounts.models import User
from jiliang.registry.models import (
    Certificate,
    Institution,
    Instrument,
    MeasurementStandard,
    Person,
    Quantity,
)
from jiliang.services import filing, workflow
from jiliang.services.models import Application, FilingEntry
from jiliang.services.workflow import Upload

PDF = b"%PDF-1.4\n% jiliang demo document (no content)\n"
NEW_STANDARD = "ZBJL-M-M2-NEW"


def _pdfs(*keys: str) -> list[Upload]:
    return [Upload(key, f"{key}.pdf", PDF) for key in keys]


def new_standard(today: dt.date) -> MeasurementStandard | None:
    """The Zibo institute's new M2 weights standard awaiting its examination."""
    found = MeasurementStandard.objects.filter(code=NEW_STANDARD).first()
    if found is not None:
        return found
    city = Institution.objects.filter(name_zh="淄博市计量技术研究院").first()
    province = Institution.objects.filter(name_zh="山东省计量科学研究院").first()
    e2 = MeasurementStandard.objects.filter(code="SDJL-M-E2").first()
    if city is None or province is None or e2 is None:
        return None
    standard = MeasurementStandard.objects.create(
        institution=city,
        name="M2等级砝码标准装置 Class M2 weights standard (new)",
        kind=MeasurementStandard.Kind.WORKING,
        code=NEW_STANDARD,
        quantity=Quantity.objects.get(code="mass"),
        range_min=0.001,
        range_max=20,
        unit="kg",
        expanded_uncertainty=0.00005,
        uncertainty_is_relative=True,
        accuracy_class="M2",
    )
    weights = Instrument.objects.create(
        owner=city,
        name="M2等级砝码组 Class M2 weight set",
        use_area="other",
        division_code=city.division_code,
        serial_number="ZB-M2-NEW-01",
        maker="梅特勒-托利多",
        range_min=0.001,
        range_max=20,
        unit="kg",
        accuracy_class="M2",
        part_of_standard=standard,
    )
    day = today - dt.timedelta(days=40)
    signer = Person.objects.filter(institution=province, valid_until__gte=day).first()
    cert = Certificate.objects.create(
        number=f"SDJL-DEMO-M2-{today:%Y}",
        kind=Certificate.Kind.VERIFICATION,
        issuer=province,
        instrument=weights,
        regulation="JJG 99-2022",
        calibration_date=day,
        issued_on=day,
        valid_until=day + dt.timedelta(days=364),
        conclusion=Certificate.Conclusion.PASS,
        accuracy_class="M2",
        verifier=signer,
        checker=signer,
        approver=signer,
    )
    cert.use_standards(e2)
    return standard


def _user(name: str) -> User | None:
    return User.objects.filter(username=name).first()


def _applications(today: dt.date) -> int:
    lab, centre, plant = _user("zibo_lab"), _user("alu_centre"), _user("alu_plant")
    zibo, shandong = _user("regulator_zibo"), _user("regulator_sd")
    if None in (lab, centre, plant, zibo, shandong):
        return 0
    d = lambda n: today - dt.timedelta(days=n)  # noqa: E731
    standards = {
        s.code: s
        for s in MeasurementStandard.objects.filter(
            code__in=["ZBJL-M-F1", "LYZX-M-E2", "LYZX-P-WORK", NEW_STANDARD]
        )
    }
    renewal = (
        "application",
        "technical_report",
        "certificate_copy",
        "equipment_certificates",
        "stability",
    )
    person = ("application", "qualification", "competence", "employment")
    made = 0
    # submitted: a renewal of a Zibo metrologist's registration awaits acceptance (the new
    # M2 standard is left for the visitor to apply for)
    someone = Person.objects.filter(institution=lab.institution).order_by("id").first()
    if someone is not None:
        workflow.submit(
            lab,
            "metrologist_renewal",
            {"person_id": someone.pk},
            _pdfs("application", "cpd", "employment"),
            d(1),
        )
        made += 1
    # accepted 150 days ago, never examined: overdue, escalated to the province
    if "ZBJL-M-F1" in standards:
        a = workflow.submit(
            lab,
            "standard_exam_renewal",
            {"standard_id": standards["ZBJL-M-F1"].pk},
            _pdfs(*renewal),
            d(152),
        )
        workflow.accept(zibo, a, d(150))
        made += 1
    # in technical evaluation (clock stopped), and one awaiting the decision
    if "LYZX-M-E2" in standards:
        a = workflow.submit(
            centre,
            "standard_exam_renewal",
            {"standard_id": standards["LYZX-M-E2"].pk},
            _pdfs(*renewal),
            d(30),
        )
        workflow.accept(zibo, a, d(28))
        workflow.assign(zibo, a, ["张考评", "刘考评"], d(20))
        made += 1
    if "LYZX-P-WORK" in standards:
        a = workflow.submit(
            centre,
            "standard_exam_renewal",
            {"standard_id": standards["LYZX-P-WORK"].pk},
            _pdfs(*renewal),
            d(60),
        )
        workflow.accept(zibo, a, d(58))
        workflow.assign(zibo, a, ["王考评"], d(50))
        workflow.record_result(zibo, a, True, "现场考核合格", d(10))
        made += 1
    # awaiting corrections: one registration asked once for the full list
    a = workflow.submit(
        lab,
        "metrologist_registration",
        {"name": "孙明", "level": "2", "scope": "mass, C01, C02"},
        _pdfs(*person),
        d(6),
    )
    workflow.request_correction(
        shandong, a, ["专业项目考核合格证明缺少砝码项目", "聘用证明未盖章"], d(4)
    )
    # approved: a registration (writes a Person) and a pattern approval (a CPA number)
    a = workflow.submit(
        centre,
        "metrologist_registration",
        {"name": "周宁", "level": "1", "scope": "mass, pressure, C10"},
        _pdfs(*person),
        d(40),
    )
    workflow.accept(shandong, a, d(38))
    workflow.decide(shandong, a, True, "", d(30))
    a = workflow.submit(
        plant,
        "pattern_approval",
        {"instrument_name": "电子皮带秤", "model": "QD-BS800", "category": "C01"},
        _pdfs("application", "description", "drawings", "manual"),
        d(120),
    )
    workflow.accept(shandong, a, d(118))
    workflow.assign(shandong, a, ["山东省计量科学研究院（型式评价）"], d(117))
    workflow.record_result(shandong, a, True, "型式评价合格", d(12))
    workflow.decide(shandong, a, True, "", d(8))
    # rejected after a failed evaluation, and not accepted at all
    a = workflow.submit(
        plant,
        "authorisation",
        {"form": "internal_mandatory", "scope": "本单位内部使用的强制检定衡器的检定"},
        _pdfs("application", "standards_list", "staff"),
        d(70),
    )
    workflow.accept(shandong, a, d(68))
    workflow.assign(shandong, a, ["评审组"], d(60))
    workflow.record_result(shandong, a, False, "检定人员不足", d(40))
    workflow.decide(shandong, a, False, "技术评审不合格：检定人员不足", d(35))
    a = workflow.submit(
        centre,
        "authorisation",
        {"form": "other_tasks", "scope": "铝合金成分分析仪器校准"},
        _pdfs("application", "standards_list", "staff"),
        d(15),
    )
    workflow.refuse(shandong, a, "授权事项已在有效授权范围内，无需重复申请", d(13))
    return made + 5


def _filing(today: dt.date) -> int:
    market = _user("market")
    city = Institution.objects.filter(name_zh="淄博市计量技术研究院").first()
    if market is None or city is None or FilingEntry.objects.exists():
        return 0
    division = market.institution.division_code
    rows = [
        {
            "name": f"电子计价秤 Retail scale {n}",
            "serial_number": f"XY-FILING-{n:03d}",
            "category": "C01",
            "use_area": "trade",
            "division_code": division,
            "location": f"鑫源农贸市场 {n} 号摊位",
            "maker": "上海某衡器",
            "model": "ACS-15",
        }
        for n in range(1, 5)
    ]
    entries = filing.file_rows(market, rows, "demo", today - dt.timedelta(days=3))
    for entry in entries[:2]:
        filing.book(market, entry, city.pk, today + dt.timedelta(days=7), today)
    return len(entries)


def build_services_demo(summary: Any) -> dict[str, Any]:
    """Applications in every state and a filing with bookings; nothing when already built."""
    today = getattr(summary, "today", None) or dt.date.today()
    if Application.objects.exists():
        return {"applications": Application.objects.count(), "filed": FilingEntry.objects.count()}
    with transaction.atomic():
        new_standard(today)
        made = _applications(today)
        filed = _filing(today)
    return {"applications": made, "filed": filed}
