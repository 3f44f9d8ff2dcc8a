"""Fixtures of the calibration tests: the shared world plus a city lab ready to work.

The city institute (淄博) gets three registered metrologists linked to three logins so that
the three signatures can be given by three different persons; the scale job is received and
worked on 2025-12-01, when the city's F1 weights are within their certificate (SD-2025-0001,
valid to 2026-03-31) and examination certificate.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
DCC_EXAMPLES = SHARED / "schemas" / "dcc" / "examples"
WORK_DAY = dt.date(2025, 12, 1)
# JJG 539 class III scale, Max = 15 kg, e = 5 g (values in the procedure's unit, g).
SCALE_PARAMETERS = {"Max": "15000", "e": "5"}
# Loads of the test points in file order: Min = 20 e, 500 e, 2000 e, 1/2 Max, Max.
SCALE_LOADS = [100, 2500, 10000, 7500, 15000]


@dataclass
class Lab:
    world: Any
    recorder: Any
    checker: Any
    approver: Any
    people: dict[str, Any]
    procedure: Any


@pytest.fixture(autouse=True)
def _data_dir(settings: Any, tmp_path: Path) -> None:
    """Signing keys go to a temporary DATA_DIR, never the checkout."""
    settings.DATA_DIR = tmp_path / "data"


@pytest.fixture
def lab(world: Any) -> Lab:
    return make_lab(world)


def make_lab(world: Any) -> Lab:
    """Procedures loaded; the city lab's recorder, checker and approver with registrations."""
    from jiliang.accounts.models import User
    from jiliang.calibration import services
    from jiliang.calibration.models import ProcedureRecord
    from jiliang.registry.models import Authorisation, Person

    services.load_builtin_procedures()
    city = world.city
    people = {"recorder": world.people["city"]}
    people["recorder"].user = world.users["zibo_lab"]
    people["recorder"].save()
    users = {"recorder": world.users["zibo_lab"]}
    for key in ("checker", "approver"):
        users[key] = User.objects.create_user(
            f"zibo_{key}", password="pw-test-123", institution=city, role="lab"
        )
        people[key] = Person.objects.create(
            institution=city,
            user=users[key],
            name=f"city {key}",
            registration_number=f"REG-C-{key}",
            level=1,
            registration_scope=["mass", "C01"],
            valid_from=dt.date(2020, 1, 1),
            valid_until=dt.date(2030, 1, 1),
            roles=["verifier", "checker", "approver"],
        )
    Authorisation.objects.create(
        institution=city,
        form="legal_institution",
        scope="质量 mass",
        certificate_number="(鲁)法计(2024)03001号",
        valid_from=dt.date(2024, 1, 1),
        valid_until=dt.date(2029, 1, 1),
    )
    return Lab(
        world,
        users["recorder"],
        users["checker"],
        users["approver"],
        people,
        ProcedureRecord.objects.get(code="JJG 539-2016", institution=None),
    )


def make_job(lab: Lab, receipt: str = "R-0001", **options: Any) -> Any:
    from jiliang.calibration import services

    return services.create_job(
        lab.recorder,
        instrument=lab.world.scale,
        receipt_number=receipt,
        received_on=WORK_DAY,
        procedure=lab.procedure,
        accuracy_class="III",
        parameters=SCALE_PARAMETERS,
        condition="外观完好 good",
        **options,
    )


# Change-point weight (OIML R 76-1 A.4.4.3) at which the indication rose by e: 0.5 e = 2.5 g
# makes P = I + e/2 - ΔL = I, so the error is I - load, as in the rows below.
CHANGE_POINT = 2.5


def scale_rows(errors: list[float], state: str = "as_found") -> list[dict[str, object]]:
    """Indications = load + error at each point, change point ΔL = e/2; mpe_ref = 0.05 g (an
    F1 10 kg weight, OIML R 111-1 Table 1: 50 mg).

    By hand (GUM, rectangular ±a → a/√3): u = √((0.05·5)² + 0.05²)/√3 = 0.1472 g and, with
    k = 1.96 for a normal output, U95 = 0.2885 g at every point: below MPEV/3 for the smallest
    MPE (2.5 g / 3 = 0.833 g), so JJF 1094-2002 5.3 ignores U and |E| <= MPE passes.
    """
    return [
        {"point": str(i + 1), "state": state, "I": load + err, "dL": CHANGE_POINT, "mpe_ref": 0.05}
        for i, (load, err) in enumerate(zip(SCALE_LOADS, errors, strict=True))
    ]


def ready_job(lab: Lab, errors: list[float] | None = None, **options: Any) -> Any:
    """A job with standards, conditions and observations: ready for the recorder to sign."""
    from jiliang.calibration import services

    job = make_job(lab, **options)
    services.set_standards(job, lab.recorder, [lab.world.f1.pk])
    services.set_conditions(
        job,
        lab.recorder,
        work_date=WORK_DAY,
        place="淄博市计量院质量实验室",
        environment={"temperature": 20.5},
    )
    services.record_observations(job, lab.recorder, scale_rows(errors or [0, 0, 5, 0, 0]))
    job.refresh_from_db()
    return job
