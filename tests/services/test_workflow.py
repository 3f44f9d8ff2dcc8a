"""The workflow engine: a standard examination from application to the examination
certificate the interlock accepts; correction once; clocks and pauses; refusals; the signed
decisions in the transparency log; the other kinds' registry writes."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from jiliang.ledger.models import LogEntry
from jiliang.registry.models import Authorisation, ExaminationCertificate, Person
from jiliang.registry.services import standard_problems
from jiliang.services import clock, workflow
from jiliang.services.models import Application, Event, PatternApproval
from jiliang.services.workflow import ServiceError, Upload
from tests.conftest import World
from tests.services.conftest import PDF

MON = dt.date(2025, 3, 3)  # a Monday; March 2025 has no holiday


def _exam_uploads() -> list[Upload]:
    return [
        Upload("application", "申请书.pdf", PDF),
        Upload("technical_report", "技术报告.pdf", PDF),
        Upload("equipment_certificates", "证书.pdf", PDF),
        Upload("staff", "人员.pdf", PDF),
    ]


def _apply(world: World, standard: Any, on: dt.date = MON) -> Application:
    return workflow.submit(
        world.users["zibo_lab"],
        "standard_exam_new",
        {"standard_id": str(standard.pk)},
        _exam_uploads(),
        on,
    )


def test_standard_examination_end_to_end(world: World, new_standard: Any) -> None:
    lab, regulator = world.users["zibo_lab"], world.users["reg_zibo"]
    today = dt.date.today()
    assert any("examination certificate" in p for p in standard_problems(new_standard, today))
    app = _apply(world, new_standard, today)
    assert app.authority == world.regulator_zibo  # a city kind, the lab's city regulator
    workflow.request_correction(
        regulator, app, ["技术报告缺少重复性试验", "", "人员证明过期"], today
    )
    assert app.state == "correction"
    workflow.resubmit(lab, app, [Upload("repeatability", "重复性.pdf", PDF)], "已补正", today)
    assert app.state == "submitted"
    with pytest.raises(ServiceError, match="一次性"):  # the full list is asked once
        workflow.request_correction(regulator, app, ["再补一项"], today)
    workflow.accept(regulator, app, today)
    workflow.assign(regulator, app, ["张考评", "李考评"], today)
    workflow.record_result(regulator, app, True, "考核合格", today)
    workflow.decide(regulator, app, True, "", today)
    app.refresh_from_db()
    assert app.state == "approved" and app.granted
    exam = ExaminationCertificate.objects.get(number=app.granted)
    assert exam.standard == new_standard and exam.issued_on == today
    # 4 years from the registry's rule (data/registry/rules.yaml), the day before
    assert exam.valid_until == today.replace(year=today.year + 4) - dt.timedelta(days=1)
    assert standard_problems(new_standard, today) == []  # the interlock accepts it
    # signed decisions in the log: correct, accept, approve (events, not assign/result)
    entries = LogEntry.objects.filter(record_type="services.decision", subject=app.number)
    actions = sorted(json.loads(e.record)["body"]["action"] for e in entries)
    assert actions == ["accept", "approve", "correct"]
    approve = Event.objects.get(application=app, action="approve")
    assert approve.signed_note.startswith('{"body":') or "services." in approve.signed_note
    assert approve.log_index is not None


def test_only_the_authority_acts_and_states_are_checked(world: World, new_standard: Any) -> None:
    app = _apply(world, new_standard)
    with pytest.raises(ServiceError, match="受理机关"):
        workflow.accept(world.users["zibo_lab"], app, MON)
    with pytest.raises(ServiceError, match="受理机关"):
        workflow.accept(world.users["reg_bj"], app, MON)
    with pytest.raises(ServiceError, match="状态"):
        workflow.decide(world.users["reg_zibo"], app, True, "", MON)
    with pytest.raises(ServiceError, match="理由"):
        workflow.refuse(world.users["reg_zibo"], app, "  ", MON)
    workflow.refuse(world.users["reg_zibo"], app, "不属于本机关管辖", MON)
    assert app.state == "refused"
    assert ExaminationCertificate.objects.filter(standard=new_standard).count() == 0


def test_failed_result_cannot_be_approved(world: World, new_standard: Any) -> None:
    reg = world.users["reg_zibo"]
    app = _apply(world, new_standard)
    workflow.accept(reg, app, MON)
    workflow.assign(reg, app, ["王考评"], MON)
    workflow.record_result(reg, app, False, "重复性不合格", MON)
    with pytest.raises(ServiceError, match="不合格"):
        workflow.decide(reg, app, True, "", MON)
    workflow.decide(reg, app, False, "技术评审不合格", MON)
    assert (
        app.state == "rejected"
        and not ExaminationCertificate.objects.filter(standard=new_standard).exists()
    )


def test_submit_refusals(world: World, new_standard: Any) -> None:
    lab = world.users["zibo_lab"]
    with pytest.raises(ServiceError, match="缺少申请材料"):
        workflow.submit(lab, "standard_exam_new", {"standard_id": new_standard.pk}, [], MON)
    with pytest.raises(ServiceError, match="本单位"):  # the province's standard
        workflow.submit(
            lab, "standard_exam_new", {"standard_id": world.e2.pk}, _exam_uploads(), MON
        )
    with pytest.raises(ServiceError, match="计量基准"):
        workflow.submit(
            world.users["nim_lab"], "standard_exam_new", {"standard_id": world.primary.pk}, [], MON
        )
    bad = [*_exam_uploads()[:-1], Upload("staff", "人员.pdf", b"MZ\x90\x00 not a pdf")]
    with pytest.raises(ServiceError, match="不符"):
        workflow.submit(lab, "standard_exam_new", {"standard_id": new_standard.pk}, bad, MON)
    exe = [*_exam_uploads()[:-1], Upload("staff", "人员.exe", b"MZ")]
    with pytest.raises(ServiceError, match="只接受"):
        workflow.submit(lab, "standard_exam_new", {"standard_id": new_standard.pk}, exe, MON)
    big = [
        *_exam_uploads()[:-1],
        Upload("staff", "a.pdf", PDF + b"0" * workflow.MAX_MATERIAL_BYTES),
    ]
    with pytest.raises(ServiceError, match="上限"):
        workflow.submit(lab, "standard_exam_new", {"standard_id": new_standard.pk}, big, MON)
    with pytest.raises(ServiceError, match="未知"):
        workflow.submit(lab, "no_such_kind", {}, [], MON)
    assert Application.objects.count() == 0


def test_clock_with_correction_and_evaluation_pauses(world: World, new_standard: Any) -> None:
    reg, lab = world.users["reg_zibo"], world.users["zibo_lab"]
    app = _apply(world, new_standard)
    workflow.accept(reg, app, MON)  # Mon 3 Mar 2025; 80 working days, start not counted
    # March 2025 after Mon 3: 4-7, 10-14, 17-21, 24-28, 31 = 4+5+5+5+1 = 20
    # April (国办发明电〔2024〕12号: 清明 4月4日至6日放假; 劳动节 4月27日(周日)上班):
    # 1-3, 7-11, 14-18, 21-25, Sun 27, 28-30 = 3+5+5+5+1+3 = 22 -> 42 by 30 Apr
    # May (劳动节 5月1日至5日放假; 端午 5月31日至6月2日放假): 6-9, 12-16, 19-23, 26-30
    # = 4+5+5+5 = 19 -> 61 by 30 May; June: 3-6 (65), 9-13 (70), 16-20 (75), 23-27 (80)
    assert clock.clock(app, MON).due == dt.date(2025, 6, 27)
    # 补正 asked Mon 10 Mar, answered Fri 14 Mar: those 5 working days do not count
    workflow.request_correction(reg, app, ["补充稳定性考核记录"], dt.date(2025, 3, 10))
    running = clock.clock(app, dt.date(2025, 3, 12))
    assert running.paused_since == dt.date(2025, 3, 10)
    workflow.resubmit(lab, app, [Upload("stability", "稳定性.pdf", PDF)], "", dt.date(2025, 3, 14))
    # 27 June + 5 working days: Mon 30 June (1), 1-4 July (5)
    assert clock.clock(app, dt.date(2025, 3, 17)).due == dt.date(2025, 7, 4)
    # technical examination assigned Mon 17 Mar, result Fri 21 Mar: 5 more days stopped
    workflow.assign(reg, app, ["张考评"], dt.date(2025, 3, 17))
    workflow.record_result(reg, app, True, "", dt.date(2025, 3, 21))
    resumed = clock.clock(app, dt.date(2025, 3, 24))
    assert resumed.due == dt.date(2025, 7, 11)  # 7-11 July
    assert resumed.paused_since is None
    # remaining from Mon 24 Mar to Fri 11 Jul: March 25-28, 31 (5) + April (22) + May (19)
    # + June 3-6, 9-13, 16-20, 23-27, 30 (4+5+5+5+1 = 20) + July 1-4, 7-11 (9) = 75
    assert resumed.remaining == 5 + 22 + 19 + 20 + 9


def test_overdue_and_on_time_rate(world: World, new_standard: Any, shandong: Any) -> None:
    from jiliang.services import queue

    reg = world.users["reg_zibo"]
    app = _apply(world, new_standard, dt.date(2025, 1, 2))
    workflow.accept(reg, app, dt.date(2025, 1, 2))
    late = clock.clock(app, dt.date(2025, 12, 1))
    assert late.overdue
    data = queue.for_regulator(world.regulator_zibo, dt.date(2025, 12, 1))
    assert data["overdue"] == 1
    # the provincial regulator sees it escalated
    above = queue.for_regulator(shandong, dt.date(2025, 12, 1))
    assert [r.app.number for r in above["escalated"]] == [app.number]
    workflow.assign(reg, app, ["张"], dt.date(2025, 1, 3))
    workflow.record_result(reg, app, True, "", dt.date(2025, 1, 6))
    workflow.decide(reg, app, True, "", dt.date(2025, 1, 7))
    assert queue.on_time_rate(world.regulator_zibo) == (1, 1)


def test_authorisation_registration_renewal_pattern(world: World, shandong: Any) -> None:
    from jiliang.accounts.models import User

    reg = User.objects.get(username="reg_sd")
    lab = world.users["zibo_lab"]
    pdf = lambda key: Upload(key, f"{key}.pdf", PDF)  # noqa: E731
    auth = workflow.submit(
        lab,
        "authorisation",
        {"form": "public_standard", "scope": "建立M1等级砝码社会公用计量标准"},
        [pdf("application"), pdf("standards_list"), pdf("staff")],
        MON,
    )
    assert auth.authority == shandong  # a provincial kind
    workflow.accept(reg, auth, MON)
    workflow.assign(reg, auth, ["评审组"], MON)
    workflow.record_result(reg, auth, True, "", MON)
    workflow.decide(reg, auth, True, "", MON)
    granted = Authorisation.objects.get(certificate_number=auth.granted)
    assert granted.institution == world.city and granted.form == "public_standard"
    assert granted.valid_until == dt.date(2030, 3, 2)  # 5 years, the day before

    person = workflow.submit(
        lab,
        "metrologist_registration",
        {"name": "赵检定", "level": "2", "scope": "mass, C01"},
        [pdf("application"), pdf("qualification"), pdf("competence"), pdf("employment")],
        MON,
    )
    workflow.accept(reg, person, MON)
    workflow.decide(reg, person, True, "", MON)  # no technical step for this kind
    registered = Person.objects.get(registration_number=person.granted)
    assert registered.registration_scope == ["mass", "C01"] and registered.level == 2
    assert registered.valid_until == dt.date(2030, 3, 2)

    renewal = workflow.submit(
        lab,
        "metrologist_renewal",
        {"person_id": registered.pk},
        [pdf("application"), pdf("cpd"), pdf("employment")],
        dt.date(2030, 1, 6),
    )
    workflow.accept(reg, renewal, dt.date(2030, 1, 6))
    workflow.decide(reg, renewal, True, "", dt.date(2030, 1, 7))
    registered.refresh_from_db()
    assert registered.valid_until == dt.date(2035, 3, 2)

    pattern = workflow.submit(
        world.users["market"],
        "pattern_approval",
        {"instrument_name": "电子计价秤", "model": "ACS-30", "category": "C01"},
        [pdf("application"), pdf("description"), pdf("drawings"), pdf("manual")],
        MON,
    )
    workflow.accept(reg, pattern, MON)
    workflow.assign(reg, pattern, ["山东省计量科学研究院（型式评价）"], MON)
    workflow.record_result(reg, pattern, True, "型式评价合格", dt.date(2025, 7, 1))
    workflow.decide(reg, pattern, True, "", dt.date(2025, 7, 3))
    approval = PatternApproval.objects.get(application=pattern)
    assert approval.cpa_number == f"2025C{pattern.pk:05d}-37"
    with pytest.raises(ServiceError, match="P"):  # weights are V only: no pattern approval
        workflow.submit(
            world.users["market"],
            "pattern_approval",
            {"instrument_name": "砝码", "model": "M1", "category": "C02"},
            [pdf("application"), pdf("description"), pdf("drawings"), pdf("manual")],
            MON,
        )
