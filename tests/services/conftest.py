"""The shared world plus what the services tests need: a provincial regulator, a new
standard of the Zibo laboratory awaiting its examination, keys in a temporary folder."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.conftest import World, uscc

PDF = b"%PDF-1.4\n% test document\n"


@pytest.fixture(autouse=True)
def _key_dir(settings: Any, tmp_path: Any) -> None:
    settings.DATA_DIR = tmp_path / "data"


@pytest.fixture(autouse=True)
def _source_language() -> Any:
    """Messages are asserted in the source language; a page fetched in English (the
    LocaleMiddleware activates it in this thread) must not leak into the next test."""
    from django.utils import translation

    with translation.override("zh-hans"):
        yield


@pytest.fixture
def shandong(world: World) -> Any:
    from jiliang.accounts.models import User
    from jiliang.registry.models import Institution

    regulator = Institution.objects.create(
        name_zh="山东省市场监督管理局",
        kind="regulator",
        division_code="370000",
        uscc=uscc("11370000000000008"),
    )
    User.objects.create_user(
        "reg_sd", password="pw-test-123", institution=regulator, role="regulator"
    )
    return regulator


@pytest.fixture
def new_standard(world: World) -> Any:
    """An M1 weights standard of the Zibo lab with traced equipment and no examination
    certificate yet: the interlock refuses it until an examination is approved."""
    from jiliang.registry.models import Certificate, Instrument, MeasurementStandard

    standard = MeasurementStandard.objects.create(
        institution=world.city,
        name="M1等级砝码标准装置",
        kind="social_public",
        code="ZB-M1-NEW",
        quantity=world.f1.quantity,
        range_min=0.001,
        range_max=20,
        unit="kg",
        expanded_uncertainty=0.00002,
    )
    weight = Instrument.objects.create(
        owner=world.city,
        name="M1 weight set",
        category=world.f1_weight.category,
        use_area="other",
        division_code="370300",
        serial_number="M1-SET-NEW",
        part_of_standard=standard,
    )
    day = dt.date.today() - dt.timedelta(days=30)
    cert = Certificate.objects.create(
        number="SD-NEW-0001",
        kind="verification",
        issuer=world.province,
        instrument=weight,
        regulation="JJG 99-2022",
        calibration_date=day,
        issued_on=day,
        valid_until=day + dt.timedelta(days=364),
        conclusion="pass",
        verifier=world.people["province"],
    )
    cert.use_standards(world.e2)
    return standard
