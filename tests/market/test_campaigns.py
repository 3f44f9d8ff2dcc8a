"""Campaigns: plan, draw (re-run from the seed), inspect, notice, case, close, publish."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from jiliang.market import cases, services
from jiliang.market.models import Campaign, Finding
from tests.market.conftest import Market

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _plan(m: Market, code: str = "ZB-2026-01", n: int = 3, k: int = 2) -> Campaign:
    return services.plan_campaign(
        m.world.users["reg_zibo"],
        code=code,
        title="农贸市场计量专项检查",
        region="3703",
        premises_kind="market",
        starts_on=dt.date(2026, 6, 1),
        ends_on=dt.date(2026, 6, 30),
        premises_count=n,
        inspectors_count=k,
    )


def test_draw_is_rerun_from_its_seed(market: Market) -> None:
    reg = market.world.users["reg_zibo"]
    c = services.draw_campaign(reg, _plan(market), seed="public-seed-2026")
    recorded = services.recorded_draw(c)
    assert len(recorded["premises"]) == 3 and len(recorded["inspectors"]) == 2
    # the Beijing market is outside the region: never in the register drawn from
    assert "BJ-M01" not in c.population["premises"]
    assert len(c.population["premises"]) == 6
    assert services.redraw(Campaign.objects.get(pk=c.pk)) == recorded
    # a second campaign with the same seed over the same registers draws the same
    c2 = services.draw_campaign(reg, _plan(market, "ZB-2026-02"), seed="public-seed-2026")
    assert services.recorded_draw(c2) == recorded
    # the documented recipe, by hand (jiliang.supervision._draw)
    import hashlib

    def rank(label: str, key: str) -> str:
        return hashlib.sha256(f"public-seed-2026\x1f{label}\x1f{key}".encode()).hexdigest()

    codes = sorted(c.population["premises"], key=lambda k: (rank("premises", k), k))[:3]
    assert recorded["premises"] == codes


def test_only_the_regions_regulator_plans_and_draws(market: Market) -> None:
    with pytest.raises(PermissionError):
        services.plan_campaign(
            market.world.users["market"],
            code="X",
            title="x",
            region="3703",
            premises_kind="market",
            starts_on=dt.date(2026, 6, 1),
            ends_on=dt.date(2026, 6, 2),
            premises_count=1,
        )
    with pytest.raises(ValidationError) as info:
        services.plan_campaign(
            market.world.users["reg_zibo"],
            code="Y",
            title="y",
            region="1101",
            premises_kind="market",
            starts_on=dt.date(2026, 6, 1),
            ends_on=dt.date(2026, 6, 2),
            premises_count=1,
        )
    assert "region" in info.value.message_dict
    c = _plan(market)
    with pytest.raises(PermissionError):
        services.draw_campaign(market.world.users["reg_bj"], c)


def _drawn_with_first_market(market: Market) -> Any:
    reg = market.world.users["reg_zibo"]
    c = _plan(market, n=6, k=1)
    c = services.draw_campaign(reg, c, seed="s")
    return c.inspections.get(premises=market.markets[0])


def test_inspection_finding_photo_notice_case_close(market: Market) -> None:
    insp = _drawn_with_first_market(market)
    inspector = insp.inspector
    rows = services.instruments_with_state(insp, dt.date(2026, 6, 1))
    states = {r["instrument"].serial_number: r["state"] for r in rows}
    # SCALE-0001's certificate runs 2025-09-01 .. 2026-08-31; SCALE-0002 has none
    assert states == {"SCALE-0001": "valid", "SCALE-0002": "none"}
    f = services.add_finding(
        inspector,
        insp,
        kind="failed",
        instrument_id=market.world.scale.pk,
        note="称量误差超差",
        photo=PNG,
        today=dt.date(2026, 6, 1),
    )
    assert f.photos.count() == 1 and f.state_at_visit == "valid"
    stored = services.photo_dir() / f.photos.get().path
    assert stored.read_bytes() == PNG
    notice = services.issue_notice(
        inspector,
        insp,
        requirements="停止使用并送检",
        deadline=dt.date.today() + dt.timedelta(days=10),
    )
    assert notice.number.endswith("ZG001")
    reg = market.world.users["reg_zibo"]
    case = cases.open_case(reg, f, basis_code="market-unverified")
    assert case.log_index is not None and case.basis["fine_max"] == 10000
    with pytest.raises(ValidationError):  # above the cited article's maximum
        cases.decide_case(reg, case, decision="罚款", fine="20000")
    cases.decide_case(reg, case, decision="责令改正并罚款", fine="2000")
    from jiliang.ledger.models import LogEntry

    types = set(LogEntry.objects.filter(subject=case.number).values_list("record_type", flat=True))
    assert types == {"market.case_opened", "market.case_decided"}
    c = cases.close_campaign(reg, insp.campaign)
    row = next(r for r in c.results["premises"] if r["code"] == "ZB-M00")
    assert row["findings"] == {"failed": 1} and row["notices"] == 1 and row["cases"] == 1
    assert c.results["drawn"] == 6 and c.results["with_findings"] == 1
    # no personal data in what is published
    text = str(c.results)
    assert inspector.username not in text and "signed_by" not in text
    with pytest.raises(ValidationError):  # closed: no more findings
        services.add_finding(inspector, insp, kind="overdue", instrument_id=None)


def test_finding_rules(market: Market) -> None:
    insp = _drawn_with_first_market(market)
    other = market.world.users["reg_bj"]
    with pytest.raises(PermissionError):
        services.add_finding(other, insp, kind="failed", instrument_id=None)
    bad = [
        ({"kind": "nonsense", "instrument_id": None}, "kind"),
        ({"kind": "failed", "instrument_id": market.world.taxi_meter.pk}, "instrument"),
        ({"kind": "failed", "instrument_id": None, "photo": b"GIF89a" + b"\0" * 20}, "photo"),
        (
            {
                "kind": "failed",
                "instrument_id": None,
                "photo": b"\xff\xd8\xff" + b"\0" * services.MAX_PHOTO_BYTES,
            },
            "photo",
        ),
    ]
    for kwargs, field in bad:
        with pytest.raises(ValidationError) as info:
            services.add_finding(insp.inspector, insp, **kwargs)
        assert field in info.value.message_dict
    assert Finding.objects.count() == 0
    with pytest.raises(ValidationError):
        services.sign(insp.inspector, insp, name="", refused=False, answers={})
    signed = services.sign(
        insp.inspector, insp, name="", refused=True, answers={"check_scale": True}
    )
    assert signed.refused_to_sign and signed.checklist_answers == {"check_scale": True}


def test_unknown_legal_basis_refused(market: Market) -> None:
    insp = _drawn_with_first_market(market)
    f = services.add_finding(insp.inspector, insp, kind="overdue", instrument_id=None)
    with pytest.raises(ValidationError):
        cases.open_case(market.world.users["reg_zibo"], f, basis_code="art-999")
    with pytest.raises(PermissionError):
        cases.open_case(
            insp.inspector
            if insp.inspector.username != "reg_zibo"
            else market.world.users["reg_bj"],
            f,
            basis_code="market-unverified",
        )


def test_repeat_offenders_across_campaigns_and_my_inspections(market: Market) -> None:
    from django.test import Client

    reg = market.world.users["reg_zibo"]
    for code in ("ZB-A", "ZB-B"):
        c = services.plan_campaign(
            reg,
            code=code,
            title=code,
            region="3703",
            premises_kind="market",
            starts_on=dt.date(2026, 6, 1),
            ends_on=dt.date(2026, 6, 2),
            premises_count=6,
            inspectors_count=1,
        )
        c = services.draw_campaign(reg, c, seed=code)
        insp = c.inspections.get(premises=market.markets[0])
        services.add_finding(insp.inspector, insp, kind="overdue", instrument_id=None)
    rows = cases.repeat_offenders(reg)
    assert [(r["premises"].code, r["campaigns"], r["findings"]) for r in rows] == [("ZB-M00", 2, 2)]
    assert cases.repeat_offenders(market.world.users["reg_bj"]) == []
    # the inspector's page lists its assignments (six premises of the campaign it was drawn for)
    client = Client()
    client.force_login(insp.inspector)
    page = client.get("/market/").content.decode()
    assert page.count("/market/inspections/") >= 2 and "淄博第0农贸市场" in page


def test_categories_are_bounded(market: Market) -> None:
    with pytest.raises(ValidationError) as info:
        services.plan_campaign(
            market.world.users["reg_zibo"],
            code="ZB-C",
            title="t",
            region="3703",
            premises_kind="market",
            starts_on=dt.date(2026, 6, 1),
            ends_on=dt.date(2026, 6, 2),
            premises_count=1,
            categories=["C01"] * 21,
        )
    assert "categories" in info.value.message_dict
