"""The GB 17167 check of an energy user, with its tree read from the database.

Why here: the core (`jiliang.energy.equipping`) takes plain data; this module is the one place
that turns the metering tree, its points and the registry's instruments (class from the
newest certificate that states one, else the instrument's record; "installed" = in service)
into that data, for the page and the CLI alike.
"""

from __future__ import annotations

from typing import Any

from jiliang.energy.equipping import DEFAULT_EDITION, Meter, Node, Tree, check
from jiliang.monitoring.models import EnergyUser, MeasurementPoint, MeteringNode
from jiliang.registry.models import Certificate, Instrument


def _stated_classes(instrument_ids: set[int]) -> dict[int, str]:
    """The newest certificate's stated class per instrument (one query)."""
    stated: dict[int, str] = {}
    rows = (
        Certificate.objects.filter(instrument_id__in=instrument_ids)
        .exclude(accuracy_class="")
        .order_by("instrument_id", "-calibration_date", "-id")
        .values_list("instrument_id", "accuracy_class")
    )
    for instrument_id, accuracy in rows:
        stated.setdefault(instrument_id, accuracy)
    return stated


def tree_of(energy_user: EnergyUser) -> tuple[Tree, dict[str, dict[str, Any]]]:
    """The core's tree of ``energy_user`` and, per point code, its instrument's id and
    serial number (for links on the page)."""
    points = list(MeasurementPoint.objects.filter(user=energy_user).select_related("instrument"))
    instruments: dict[int, Instrument] = {
        p.instrument.pk: p.instrument for p in points if p.instrument is not None
    }
    stated = _stated_classes(set(instruments))
    by_node: dict[int, list[Meter]] = {}
    refs: dict[str, dict[str, Any]] = {}
    for point in points:
        inst = point.instrument
        if inst is None:
            meter = Meter(point=point.code, variety=point.variety)
            refs[point.code] = {"id": None, "serial": ""}
        else:
            meter = Meter(
                point=point.code,
                variety=point.variety,
                instrument=inst.serial_number or str(inst.pk),
                installed=inst.status == Instrument.Status.IN_SERVICE,
                accuracy_class=stated.get(inst.pk) or inst.accuracy_class,
            )
            refs[point.code] = {"id": inst.pk, "serial": inst.serial_number}
        by_node.setdefault(point.node_id, []).append(meter)
    nodes = tuple(
        Node(
            code=node.code,
            level=node.level,
            name=node.name,
            varieties=tuple(str(v) for v in (node.varieties or [])),
            meters=tuple(by_node.get(node.pk, [])),
            main=node.main,
        )
        for node in MeteringNode.objects.filter(user=energy_user).order_by("level", "code")
    )
    return Tree(energy_user.code, nodes, energy_user.electricity_category), refs


def report_for(energy_user: EnergyUser, edition: str = DEFAULT_EDITION) -> dict[str, Any]:
    """The core's report, each accuracy row with its instrument's registry id."""
    tree, refs = tree_of(energy_user)
    report = check(tree, edition)
    for row in report["accuracy"]:
        row["instrument_id"] = refs.get(row["point"], {}).get("id")
    return report
