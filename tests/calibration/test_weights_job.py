"""A weight verified under JJG 99-2022 (the model gives the conventional mass, not an error;
observations are a list of comparator differences).

Published values: OIML R 111-1:2004 Table 1 (MPE of a 1 kg class F2 weight: 16 mg) and 5.3.1
(guarded acceptance m0 ± (δm − U)); GUM 5.1.2 with unit sensitivities, 4.2.3 (type A u of a
mean: s/√n) and 4.3.7 (rectangular u = a/√3).
"""

from __future__ import annotations

import math
import statistics
from typing import Any

import pytest

from tests.calibration.conftest import WORK_DAY

pytestmark = pytest.mark.django_db

DIFFERENCES = [3.0, 3.2, 2.8]  # mg, test − reference, three ABA cycles
U_REF = 1.0  # mg, standard uncertainty of the reference weight's conventional mass
BUOYANCY = 0.3  # mg, half-width of the air-buoyancy correction


@pytest.fixture
def weight_job(lab: Any) -> Any:
    from jiliang.calibration import services
    from jiliang.calibration.models import ProcedureRecord
    from jiliang.registry.models import Instrument

    world = lab.world
    weight = Instrument.objects.create(
        owner=world.market,
        name="F2 1 kg weight",
        category=world.f1_weight.category,
        quantity=world.f1.quantity,
        use_area="trade",
        division_code="370303",
        serial_number="F2-1KG-77",
        accuracy_class="F2",
    )
    from jiliang.registry import customers

    # the market sends its new weight to the city lab (issue 12: the owner gives it)
    customers.grant(world.users["market"], world.city, [weight.pk])
    job = services.create_job(
        lab.recorder,
        instrument=weight,
        receipt_number="W-1",
        received_on=WORK_DAY,
        procedure=ProcedureRecord.objects.get(code="JJG 99-2022"),
        accuracy_class="F2",
        parameters={"m0": "1000"},
    )
    services.set_standards(job, lab.recorder, [world.f1.pk])
    services.set_conditions(
        job,
        lab.recorder,
        work_date=WORK_DAY,
        place="mass lab",
        environment={"temperature_change": 1.2, "relative_humidity": 48},
    )
    return job


def test_weight_error_u_and_guarded_decision(lab: Any, weight_job: Any) -> None:
    from jiliang.calibration import services

    assert [s.name for s in services.required_inputs(weight_job)] == [
        "m_cr",
        "u_m_cr",
        "dm_c_observations",
        "buoyancy_halfwidth",
    ]
    services.record_observations(
        weight_job,
        lab.recorder,
        [
            {
                "point": "nominal",
                "m_cr": 1_000_000.0,
                "u_m_cr": U_REF,
                "dm_c_observations": "3.0, 3.2, 2.8",
                "buoyancy_halfwidth": BUOYANCY,
            }
        ],
    )
    (obs,) = weight_job.observations.all()
    assert obs.mpe == 16.0  # R 111-1 Table 1, 1 kg, F2
    assert obs.unit == "mg"
    assert obs.value == pytest.approx(1_000_003.0)
    assert obs.error == pytest.approx(statistics.mean(DIFFERENCES))
    u = math.sqrt(
        U_REF**2 + statistics.stdev(DIFFERENCES) ** 2 / len(DIFFERENCES) + BUOYANCY**2 / 3
    )
    assert obs.expanded_uncertainty / obs.coverage_factor == pytest.approx(u, rel=1e-6)
    assert obs.coverage_factor == pytest.approx(1.96, abs=0.01)
    assert obs.guard_band == pytest.approx(obs.expanded_uncertainty)  # r = 1 (R 111-1 5.3.1)
    assert obs.statement == "pass"


def test_humidity_outside_the_limits_for_f2(lab: Any, weight_job: Any) -> None:
    from django.core.exceptions import ValidationError

    from jiliang.calibration import services

    with pytest.raises(ValidationError) as info:
        services.set_conditions(
            weight_job,
            lab.recorder,
            work_date=WORK_DAY,
            place="mass lab",
            environment={"temperature_change": 1.2, "relative_humidity": 65},
        )
    assert "above the limit 60" in info.value.message_dict["environment.relative_humidity"][0]


def test_a_single_observation_is_refused(lab: Any, weight_job: Any) -> None:
    from django.core.exceptions import ValidationError

    from jiliang.calibration import services

    with pytest.raises(ValidationError) as info:
        services.record_observations(
            weight_job,
            lab.recorder,
            [{"point": "1", "m_cr": 1e6, "u_m_cr": 1, "dm_c_observations": "3.0",
              "buoyancy_halfwidth": 0.3}],
        )  # fmt: skip
    assert info.value.message_dict["row 1.dm_c_observations"] == ["give at least two observations"]
