"""Defining an energy user and its metering tree (the one path of the demo, tests and CLI).

A site is given as plain data (the same shape as the demo's spec):
    {"code": "NM-STEEL", "sector": "steel", "electricity_category" (I–V, GB 17167),
     "nodes": [{"code", "name", "level", "parent", "varieties" (to meter), "main"}],
     "points": [{"code", "node", "variety", "unit", "multiplier", "rollover", "kind",
                 "interval_minutes", "instrument" (an Instrument or its id, optional)}]}
Points are checked against the core's varieties; a point's instrument must belong to the
energy user's institution (one may not claim another's verified meter).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from jiliang.monitoring.models import EnergyUser, MeasurementPoint, MeteringNode
from jiliang.registry.models import Institution, Instrument


def define_site(institution: Institution, spec: dict[str, Any]) -> EnergyUser:
    """Create or update the energy user and its tree; idempotent by codes."""
    with transaction.atomic():
        user, _ = EnergyUser.objects.update_or_create(
            institution=institution,
            defaults={
                "code": spec["code"],
                "sector": spec.get("sector", ""),
                "target_tce": spec.get("target_tce"),
                "product": spec.get("product", ""),
                "annual_output": spec.get("annual_output"),
                "output_unit": spec.get("output_unit", ""),
                "public_key": spec.get("public_key", ""),
                "electricity_category": spec.get("electricity_category", ""),
            },
        )
        nodes: dict[str, MeteringNode] = {}
        for row in spec.get("nodes", []):
            parent = nodes.get(row["parent"]) if row.get("parent") else None
            if row.get("parent") and parent is None:
                raise ValidationError({"nodes": f"{row['code']}: unknown parent {row['parent']}"})
            nodes[row["code"]], _ = MeteringNode.objects.update_or_create(
                user=user,
                code=row["code"],
                defaults={
                    "name": row["name"],
                    "level": int(row["level"]),
                    "parent": parent,
                    "varieties": list(row.get("varieties", [])),  # GB 17167 check
                    "main": bool(row.get("main", True)),
                },
            )
        for row in spec.get("points", []):
            node = nodes.get(row["node"])
            if node is None:
                raise ValidationError({"points": f"{row['code']}: unknown node {row['node']}"})
            instrument = row.get("instrument")
            if isinstance(instrument, int):
                instrument = Instrument.objects.get(pk=instrument)
            if instrument is not None and instrument.owner_id != institution.pk:
                raise ValidationError(
                    {"points": f"{row['code']}: instrument {instrument.pk} is another owner's"}
                )
            MeasurementPoint.objects.update_or_create(
                user=user,
                code=row["code"],
                defaults={
                    "node": node,
                    "variety": row["variety"],
                    "unit": row["unit"],
                    "multiplier": float(row.get("multiplier", 1.0)),
                    "rollover": row.get("rollover"),
                    "kind": row.get("kind", "register"),
                    "interval_minutes": int(row.get("interval_minutes", 15)),
                    "instrument": instrument,
                    "purchased": bool(row.get("purchased", True)),
                },
            )
    return user
