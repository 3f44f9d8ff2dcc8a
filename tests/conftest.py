"""Shared fixtures: a small, hand-built traceability world on the real database.

kilogram primary standard (NIM) → E2 weights (provincial institute) → F1 weights (city
institute) → a trade scale at a market. Every date is fixed so tests are exact.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

TODAY = dt.date(2026, 6, 1)


def uscc(body: str) -> str:
    from jiliang.codes import uscc_check_character

    return body + uscc_check_character(body)


@dataclass
class World:
    nim: Any
    province: Any
    city: Any
    market: Any
    taxi: Any
    regulator_zibo: Any
    regulator_bj: Any
    primary: Any
    e2: Any
    f1: Any
    e2_weight: Any
    f1_weight: Any
    scale: Any
    taxi_meter: Any
    cert_e2: Any
    cert_f1: Any
    cert_scale: Any
    users: dict[str, Any]
    people: dict[str, Any]


def make_world() -> World:
    from jiliang.accounts.models import User
    from jiliang.registry.models import (
        CatalogueItem,
        Certificate,
        ExaminationCertificate,
        Institution,
        Instrument,
        MeasurementStandard,
        Person,
        Quantity,
    )
    from jiliang.registry.services import load_reference_data

    load_reference_data()
    mass = Quantity.objects.get(code="mass")
    inst = Institution.objects.create
    nim = inst(
        name_zh="中国计量科学研究院",
        name_en="NIM",
        kind="nmi",
        division_code="110105",
        uscc=uscc("12100000400000010"),
    )
    province = inst(
        name_zh="山东省计量科学研究院",
        name_en="Shandong Institute of Metrology",
        kind="legal_provincial",
        division_code="370100",
        uscc=uscc("12370000400000020"),
    )
    city = inst(
        name_zh="淄博市计量技术研究院",
        name_en="Zibo Institute of Metrology",
        kind="legal_city",
        division_code="370300",
        uscc=uscc("12370300400000030"),
    )
    market = inst(
        name_zh="淄博某农贸市场",
        name_en="Zibo farmers' market",
        kind="enterprise",
        division_code="370303",
        uscc=uscc("91370303MA0000004"),
    )
    taxi = inst(
        name_zh="北京某出租汽车公司",
        name_en="Beijing taxi company",
        kind="enterprise",
        division_code="110105",
        uscc=uscc("91110105MA0000005"),
    )
    regulator_zibo = inst(
        name_zh="淄博市市场监督管理局",
        name_en="Zibo AMR",
        kind="regulator",
        division_code="370300",
        uscc=uscc("11370300000000006"),
    )
    regulator_bj = inst(
        name_zh="北京市市场监督管理局",
        name_en="Beijing AMR",
        kind="regulator",
        division_code="110000",
        uscc=uscc("11110000000000007"),
    )

    def standard(owner: Any, code: str, kind: str, lo: float, hi: float, u: float | None) -> Any:
        return MeasurementStandard.objects.create(
            institution=owner,
            name=f"{code} weights",
            kind=kind,
            code=code,
            quantity=mass,
            range_min=lo,
            range_max=hi,
            unit="kg",
            expanded_uncertainty=u,
        )

    primary = standard(nim, "GJJ(力)0101", "national_primary", 1, 1, 1e-8)
    e2 = standard(province, "SD-E2-001", "social_public_highest", 0.000001, 20, 0.0000016)
    f1 = standard(city, "ZB-F1-001", "social_public", 0.000001, 20, 0.000005)
    for s, issued in ((e2, dt.date(2023, 1, 10)), (f1, dt.date(2024, 5, 1))):
        from jiliang.registry.rules import examination_valid_until

        ExaminationCertificate.objects.create(
            standard=s,
            number=f"EX-{s.code}",
            issued_on=issued,
            valid_until=examination_valid_until(issued),
        )
    weights = CatalogueItem.objects.get(number="C02")
    scales = CatalogueItem.objects.get(number="C01")
    meters = CatalogueItem.objects.get(number="C06")
    e2_weight = Instrument.objects.create(
        owner=province,
        name="E2 1 kg weight",
        category=weights,
        quantity=mass,
        use_area="other",
        division_code="370100",
        serial_number="E2-1KG-01",
        range_min=1,
        range_max=1,
        unit="kg",
        part_of_standard=e2,
        accuracy_class="E2",
        mpe=0.0000016,
    )
    f1_weight = Instrument.objects.create(
        owner=city,
        name="F1 1 kg weight",
        category=weights,
        quantity=mass,
        use_area="other",
        division_code="370300",
        serial_number="F1-1KG-01",
        range_min=1,
        range_max=1,
        unit="kg",
        part_of_standard=f1,
        accuracy_class="F1",
        mpe=0.000005,
    )
    scale = Instrument.objects.create(
        owner=market,
        name="电子计价秤 Retail scale",
        category=scales,
        quantity=mass,
        use_area="trade",
        division_code="370303",
        serial_number="SCALE-0001",
        maker="上海某衡器",
        model="ACS-15",
        range_min=0.04,
        range_max=15,
        unit="kg",
        accuracy_class="III",
        mpe=0.01,
    )
    taxi_meter = Instrument.objects.create(
        owner=taxi,
        name="出租汽车计价器 Taximeter",
        category=meters,
        use_area="trade",
        division_code="110105",
        serial_number="TAXI-0001",
    )
    people = {}
    for key, owner, reg in (("nim", nim, "N1"), ("province", province, "P1"), ("city", city, "C1")):
        people[key] = Person.objects.create(
            institution=owner,
            name=f"{key} metrologist",
            registration_number=f"REG-{reg}",
            level=1,
            registration_scope=["mass", "C01", "C02"],
            valid_from=dt.date(2020, 1, 1),
            valid_until=dt.date(2030, 1, 1),
            roles=["verifier", "checker", "approver"],
        )

    def certify(
        number: str, issuer: Any, instrument: Any, used: list[Any], day: dt.date, years: int
    ) -> Any:
        cert = Certificate.objects.create(
            number=number,
            kind="verification",
            issuer=issuer,
            instrument=instrument,
            regulation="JJG 99-2022",
            calibration_date=day,
            issued_on=day,
            valid_until=day.replace(year=day.year + years) - dt.timedelta(days=1),
            conclusion="pass",
            verifier=people["nim"],
        )
        cert.use_standards(*used)
        return cert

    cert_e2 = certify("NIM-2025-0001", nim, e2_weight, [primary], dt.date(2025, 3, 1), 2)
    cert_f1 = certify("SD-2025-0001", province, f1_weight, [e2], dt.date(2025, 4, 1), 1)
    cert_scale = certify("ZB-2025-0001", city, scale, [f1], dt.date(2025, 9, 1), 1)
    # each lab received its certificate's instrument: the receipt made the owner its customer
    from jiliang.registry.models import LabCustomer

    for lab, customer in ((nim, province), (province, city), (city, market)):
        LabCustomer.objects.create(lab=lab, owner=customer, origin="receipt")

    users = {}
    for name, owner, role in (
        ("nim_lab", nim, "lab"),
        ("sd_lab", province, "lab"),
        ("zibo_lab", city, "lab"),
        ("market", market, "owner"),
        ("taxi", taxi, "owner"),
        ("reg_zibo", regulator_zibo, "regulator"),
        ("reg_bj", regulator_bj, "regulator"),
    ):
        users[name] = User.objects.create_user(
            name, password="pw-test-123", institution=owner, role=role
        )
    users["admin"] = User.objects.create_superuser("admin", password="pw-test-123", role="admin")
    return World(
        nim,
        province,
        city,
        market,
        taxi,
        regulator_zibo,
        regulator_bj,
        primary,
        e2,
        f1,
        e2_weight,
        f1_weight,
        scale,
        taxi_meter,
        cert_e2,
        cert_f1,
        cert_scale,
        users,
        people,
    )


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """PBKDF2 is deliberately slow; tests only need passwords to round-trip."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


@pytest.fixture
def world(db: Any) -> World:
    return make_world()


# One Chromium per test process, shared by every directory's browser tests: Playwright's sync
# API cannot start a second instance while a session-scoped one is running in the thread.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()
