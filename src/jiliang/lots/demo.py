"""Demo content for the lots app: a Shanghai grid company with ~3,700 smart meters in three
lots — one extended and approved (on the public notice), one failed and awaiting approval,
one just formed. Called by `jiliang demo` after registry.demo.build_demo()."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from jiliang.lots import services
from jiliang.lots.models import Lot, MeterRecord
from jiliang.registry.models import CatalogueItem, Institution, Instrument

GRID_USCC_BODY = "91310000MA0000111"
REGULATOR_USCC_BODY = "11310000000000122"
LOTS = (
    # (model, production batch, installed, meters, nonconforming found in the sample)
    ("DDZY102-Z", "SH2017-03", dt.date(2017, 4, 1), 1600, 0),
    ("DDZY102-Z", "SH2017-11", dt.date(2017, 12, 1), 1200, None),  # fails: c + 1
    ("DTZY666", "SH2018-05", dt.date(2018, 6, 1), 900, None),
)
MAKER = "某智能电表有限公司"


def _uscc(body: str) -> str:
    from jiliang.codes import uscc_check_character

    return body + uscc_check_character(body)


def _password() -> str:
    try:
        from jiliang.registry.demo import DEMO_PASSWORD
    except ImportError:  # pragma: no cover - the registry demo is always there in practice
        return "demo12345"
    return DEMO_PASSWORD


def build_lots_demo(today: dt.date | None = None) -> dict[str, Any]:
    """Create the lots demo once (idempotent); return counts and the logins it adds."""
    from jiliang.accounts.models import User

    today = today or dt.date.today()
    logins = {"sh_grid": "owner", "reg_sh": "regulator"}
    grid = Institution.objects.filter(uscc=_uscc(GRID_USCC_BODY)).first()
    if grid is not None and Lot.objects.filter(owner=grid).exists():
        return _summary(grid, logins, created=False)
    with transaction.atomic():
        if not CatalogueItem.objects.filter(number=services.rules()["category"]).exists():
            from jiliang.registry.services import load_reference_data

            load_reference_data()
        grid, _ = Institution.objects.get_or_create(
            uscc=_uscc(GRID_USCC_BODY),
            defaults={
                "name_zh": "国网上海市电力公司",
                "name_en": "State Grid Shanghai Municipal Electric Power Company",
                "kind": Institution.Kind.ENTERPRISE,
                "division_code": "310000",
            },
        )
        regulator, _ = Institution.objects.get_or_create(
            uscc=_uscc(REGULATOR_USCC_BODY),
            defaults={
                "name_zh": "上海市市场监督管理局",
                "name_en": "Shanghai Administration for Market Regulation",
                "kind": Institution.Kind.REGULATOR,
                "division_code": "310000",
            },
        )
        users = {}
        for name, inst, role in (("sh_grid", grid, "owner"), ("reg_sh", regulator, "regulator")):
            user = User.objects.filter(username=name).first()
            if user is None:
                user = User.objects.create_user(
                    name, password=_password(), institution=inst, role=role
                )
            users[name] = user
        category = CatalogueItem.objects.get(number=services.rules()["category"])
        for model, batch, installed, count, _ in LOTS:
            meters = Instrument.objects.bulk_create(
                [
                    Instrument(
                        owner=grid,
                        name="单相智能电能表 Single-phase smart meter",
                        category=category,
                        use_area="trade",
                        division_code="310115" if i % 2 else "310104",
                        serial_number=f"{batch}-{i:06d}",
                        maker=MAKER,
                        model=model,
                        accuracy_class="2",
                    )
                    for i in range(count)
                ]
            )
            MeterRecord.objects.bulk_create(
                [
                    MeterRecord(
                        instrument=m,
                        production_batch=batch,
                        installed_on=installed + dt.timedelta(days=i % 28),
                    )
                    for i, m in enumerate(meters)
                ]
            )
        owner_user, reg = users["sh_grid"], users["reg_sh"]
        formed = [
            services.form_lot(
                owner_user,
                grid,
                maker=MAKER,
                model=model,
                production_batch=batch,
                installation_year=installed.year,
                code=f"SH-{batch}",
            )
            for model, batch, installed, _, _ in LOTS
        ]
        for lot, fails_extra in ((formed[0], 0), (formed[1], 1)):
            lot = services.draw(owner_user, lot, seed=f"{lot.code}/{today.isoformat()}")
            assert lot.plan is not None
            fails = int(lot.plan["c"]) + fails_extra if fails_extra else 0
            for k, item in enumerate(lot.sample.select_related("instrument")):
                result = "fail" if k < fails else "pass"
                services.record(owner_user, lot, item.instrument.serial_number, result)
            lot = services.decide(owner_user, lot, today=today)
            if lot.decision == Lot.Decision.EXTEND:
                services.approve(reg, lot, approved=True, note="抽样合格，准予延长使用")
    return _summary(grid, logins, created=True)


def _summary(grid: Institution, logins: dict[str, str], *, created: bool) -> dict[str, Any]:
    lots = Lot.objects.filter(owner=grid)
    return {
        "created": created,
        "lots": lots.count(),
        "meters": sum(lots.values_list("size", flat=True)),
        "extended_lots": lots.filter(state=Lot.State.APPROVED, decision="extend").count(),
        "logins": logins,
    }
