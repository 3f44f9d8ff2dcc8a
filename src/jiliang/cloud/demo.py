"""Demo content of the cloud: 29 delta centres with capabilities, and a few demands.

The centres are illustrative (data/cloud/centres.yaml says why); the capabilities of the
registry demo's own laboratories are linked to their real standards, so their traceability
can be followed. Idempotent: a second run changes nothing.
"""

from __future__ import annotations

import datetime as dt
import functools
from importlib import resources
from typing import Any

import yaml
from django.db import transaction

from jiliang.codes import uscc_check_character

DEMO_PREFIX = "YRD-"


@functools.cache
def _spec() -> dict[str, Any]:
    text = resources.files("jiliang.data.cloud").joinpath("centres.yaml").read_text("utf-8")
    return yaml.safe_load(text)  # type: ignore[no-any-return]


def _statement(template: dict[str, Any]) -> dict[str, Any]:
    return {"k": 2, **template}


@transaction.atomic
def build_cloud_demo(summary: Any) -> dict[str, Any]:
    """Centres, capabilities and demands; returns what exists after the run."""
    from jiliang.cloud.models import Capability, Demand
    from jiliang.registry.models import Institution, MeasurementStandard, Quantity

    today = getattr(summary, "today", None) or dt.date.today()
    spec = _spec()
    quantities = {q.code: q for q in Quantity.objects.all()}
    created = 0
    if not Capability.objects.filter(code__startswith=DEMO_PREFIX).exists():
        for i, (name, division, kinds) in enumerate(spec["centres"], start=1):
            body = f"12{division}{i:09d}"
            centre, _new = Institution.objects.get_or_create(
                uscc=body + uscc_check_character(body),
                defaults={
                    "name_zh": name,
                    "name_en": f"Industrial metrology test centre {i} (demo)",
                    "kind": Institution.Kind.INDUSTRIAL_CENTRE,
                    "centre_state": Institution.CentreState.ACCEPTED,
                    "division_code": division,
                },
            )
            for code in kinds:
                if code not in quantities:
                    continue
                instrument, (low, high, unit), statement = spec["templates"][code]
                Capability.objects.create(
                    institution=centre,
                    code=f"{DEMO_PREFIX}{i:02d}-{code[:4].upper()}",
                    quantity=quantities[code],
                    instrument=instrument,
                    range_min=low,
                    range_max=high,
                    unit=unit,
                    uncertainty_kind=statement["kind"],
                    uncertainty=_statement(statement),
                    method="",
                    turnaround_days=3 + (i * 7) % 12,
                )
                created += 1
        # the registry demo's laboratories: one CMC per standard in service, linked to it
        for standard in (
            MeasurementStandard.objects.filter(
                status=MeasurementStandard.Status.IN_SERVICE, expanded_uncertainty__isnull=False
            )
            .exclude(kind=MeasurementStandard.Kind.NATIONAL_PRIMARY)
            .select_related("quantity")[:20]
        ):
            u = standard.expanded_uncertainty or 0.0
            statement = (
                {"kind": "value", "value": u * 100 * 3, "unit": "%", "k": 2}
                if standard.uncertainty_is_relative
                else {"kind": "value", "value": u * 3, "unit": standard.unit, "k": 2}
            )
            cap = Capability.objects.create(
                institution_id=standard.institution_id,
                code=f"CMC-{standard.code}"[:40],
                quantity=standard.quantity,
                instrument=standard.name[:160],
                range_min=standard.range_min,
                range_max=standard.range_max,
                unit=standard.unit,
                uncertainty_kind="value",
                uncertainty=statement,
                method="",
                turnaround_days=5,
            )
            cap.standards.set([standard])
            created += 1
    if not Demand.objects.exists() and "pressure" in quantities:
        owner = Institution.objects.filter(kind=Institution.Kind.ENTERPRISE).order_by("id").first()
        if owner is not None:
            pressure = quantities["pressure"]
            common = {"owner": owner, "quantity": pressure, "division_code": "320500"}
            Demand.objects.create(
                title="压力变送器 2.5 MPa 校准",
                low=2500,
                high=2500,
                unit="kPa",
                required_u=5,
                required_u_unit="kPa",
                deadline=today + dt.timedelta(days=30),
                **common,
            )
            Demand.objects.create(
                title="高压压力表 40–55 MPa",
                low=40,
                high=55,
                unit="MPa",
                required_u=0.01,
                required_u_unit="MPa",
                deadline=today + dt.timedelta(days=45),
                **common,
            )
            met = Demand.objects.create(
                title="压力表 1 MPa 校准（已完成）",
                low=1,
                high=1,
                unit="MPa",
                required_u=0.002,
                required_u_unit="MPa",
                deadline=today - dt.timedelta(days=10),
                status=Demand.Status.MET,
                met_on=today - dt.timedelta(days=12),
                **common,
            )
            provider = Capability.objects.filter(
                quantity=pressure, code__startswith=DEMO_PREFIX
            ).first()
            if provider is not None:
                from jiliang.cloud.models import Answer

                Answer.objects.create(
                    demand=met,
                    provider=provider.institution,
                    capability=provider,
                    picked=True,
                    turnaround_days=provider.turnaround_days,
                )
    return {
        "capabilities": Capability.objects.count(),
        "centres": Institution.objects.filter(kind=Institution.Kind.INDUSTRIAL_CENTRE).count(),
        "demands": Demand.objects.count(),
        "created": created,
    }
