"""The whole demo: the registry's world first, then each app's content on top of it.

The only module that knows every app's demo builder; each builder is idempotent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DemoReport:
    logins: list[tuple[str, str, str]]
    steps: dict[str, Any]


def build_everything(
    today: dt.date | None = None, on_step: Callable[[str], None] | None = None
) -> DemoReport:
    from jiliang.calibration.demo import build_calibration_demo
    from jiliang.cloud.demo import build_cloud_demo
    from jiliang.comparisons.demo import build_comparisons_demo
    from jiliang.intervals.demo import build_intervals_demo
    from jiliang.ledger.demo import build_ledger_demo
    from jiliang.lots.demo import build_lots_demo
    from jiliang.market.demo import build_market_demo
    from jiliang.monitoring.demo import build_monitoring_demo
    from jiliang.registry.demo import build_demo
    from jiliang.registry.services import load_reference_data
    from jiliang.services.demo import build_services_demo
    from jiliang.taximeters.demo import build_taximeters_demo

    def step(name: str) -> None:
        if on_step is not None:
            on_step(name)

    steps: dict[str, Any] = {}
    step("reference data (catalogue, schemes)")
    steps["reference"] = load_reference_data()
    step("registry: institutions, standards, instruments, certificates")
    summary = build_demo(today)
    steps["registry"] = summary.counts
    step("verification procedures")
    steps["calibration"] = build_calibration_demo(summary)
    step("lots of electricity meters")
    steps["lots"] = build_lots_demo(summary.today)
    step("networked taxi meters and a tariff campaign")
    steps["taximeters"] = build_taximeters_demo(summary)
    step("calibration-interval review")
    steps["intervals"] = build_intervals_demo(summary.today)
    step("comparison campaigns")
    steps["comparisons"] = build_comparisons_demo(summary.today)
    step("online energy monitoring of key energy users")
    steps["monitoring"] = build_monitoring_demo(summary)
    step("market supervision")
    steps["market"] = build_market_demo(summary)
    step("online applications and approvals")
    steps["services"] = build_services_demo(summary)
    step("industrial metrology cloud")
    steps["cloud"] = build_cloud_demo(summary)
    step("transparency log")
    steps["ledger"] = build_ledger_demo(summary)
    logins = [(login.username, login.role, login.institution) for login in summary.logins]
    known = {name for name, _, _ in logins}
    for step_result in steps.values():  # apps that add logins of their own (lots, energy, ...)
        extra = step_result.get("logins", {}) if isinstance(step_result, dict) else {}
        for username, role in extra.items() if isinstance(extra, dict) else ():
            if username not in known:
                known.add(username)
                logins.append((username, str(role), "—"))
    return DemoReport(logins, steps)
