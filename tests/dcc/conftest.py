"""Shared fixtures: the DCC schema folder in ../shared and a sample certificate."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from jiliang.dcc import (
    Address,
    Certificate,
    Conformity,
    Contact,
    ExpandedUncertainty,
    Identification,
    InfluenceCondition,
    Item,
    MeasuringEquipment,
    Method,
    Quantity,
    RespPerson,
    Result,
    Software,
    Statement,
    Text,
)

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
SCHEMA_DIR = SHARED / "schemas" / "dcc"
EXAMPLES = SCHEMA_DIR / "examples"


def _u(value: str) -> ExpandedUncertainty:
    return ExpandedUncertainty(Decimal(value), Decimal(2), Decimal("0.95"), "normal")


def _point(label: str, state: str, indication: str, error: str, verdict: str) -> Result:
    return Result(
        name=Text.of(zh=f"示值误差 {label}", en=f"Error of indication {label}"),
        state=state,
        quantities=(
            Quantity(Text.of(zh="标准值", en="Reference value"), Decimal("10000"), "\\gram",
                     ref_type="basic_referenceValue"),
            Quantity(Text.of(zh="示值", en="Indication"), Decimal(indication), "\\gram",
                     ref_type="basic_measuredValue"),
            Quantity(Text.of(zh="示值误差", en="Error"), Decimal(error), "\\gram", _u("1.2"),
                     ref_type="basic_measurementError"),
        ),
        conformity=Conformity(verdict, Decimal("-5.0"), Decimal("5.0"), "\\gram",
                              Text.of(zh="简单接受", en="simple acceptance, ILAC-G8:2019 4.2.1")),
    )  # fmt: skip


@pytest.fixture
def certificate() -> Certificate:
    """A class III scale verified at 10 kg, as found (failing) and as left (passing)."""
    lab = Contact(
        Text.of(zh="某市计量测试研究所", en="City Institute of Metrology"),
        Address("杭州", "CN", street="文一路", street_no="1", post_code="310000"),
        email="lab@example.cn",
    )
    customer = Contact(Text.of(zh="某超市", en="A Supermarket"), Address("杭州", "CN"))
    return Certificate(
        number="JL2026-000123",
        laboratory=lab,
        customer=customer,
        items=(
            Item(
                Text.of(zh="电子计价秤", en="Electronic price-computing scale"),
                (Identification("manufacturer", "SN-778899", Text.of(zh="出厂编号", en="Serial")),),
                manufacturer=Text.of(plain="Example Scales Co."),
                model="ACS-30",
            ),
        ),
        resp_persons=(
            RespPerson(Text.of(plain="张三"), "检定员 verifier"),
            RespPerson(Text.of(plain="李四"), "核验员 checker"),
            RespPerson(Text.of(plain="王五"), "批准人 approver", main_signer=True),
        ),
        begin_performance_date=dt.date(2026, 11, 20),
        end_performance_date=dt.date(2026, 11, 20),
        issue_date=dt.date(2026, 11, 21),
        statements=(
            Statement(Text.of(zh="符合 III 级要求", en="Conforms to class III"),
                      norm="JJG 539-2016", conformity="pass", ref_type="basic_conformity"),
            Statement(Text.of(zh="量值溯源至国家基准", en="Traceable to the national standard"),
                      ref_type="basic_traceability"),
        ),
        methods=(Method(Text.of(zh="数字指示秤检定规程", en="Verification of digital scales"),
                        norm="JJG 539-2016"),),
        used_software=(Software("jiliang.uncertainty", "0.1.0"),),
        equipment=(
            MeasuringEquipment(
                Text.of(zh="M1 级标准砝码", en="Class M1 standard weights"),
                certificate_number="ZJ2026-M-0042",
                certificate_sha256="9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                certificate_issuer=Text.of(zh="省计量院", en="Provincial Institute"),
                identifications=(Identification("calibrationLaboratory", "W-17"),),
            ),
        ),
        conditions=(
            InfluenceCondition(Text.of(zh="温度", en="Temperature"),
                               (Quantity(None, Decimal("20.5"), "\\degreeCelsius"),),
                               "basic_temperature"),
            InfluenceCondition(Text.of(zh="相对湿度", en="Relative humidity"),
                               (Quantity(None, Decimal("0.55"), "\\one"),),
                               "basic_humidityRelative"),
        ),
        results=(
            _point("10 kg", "asFound", "10006.0", "6.0", "fail"),
            _point("10 kg", "asLeft", "10001.0", "1.0", "pass"),
        ),
    )  # fmt: skip
