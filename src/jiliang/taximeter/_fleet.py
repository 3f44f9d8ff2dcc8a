"""Fleet helpers: build N simulated meters and push one package to all of them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from jiliang.taximeter._meter import Decision, Meter, MeterReport
from jiliang.taximeter._params import TariffParameters
from jiliang.trust import KeyRing

__all__ = ["FleetResult", "apply_to_fleet", "make_fleet", "seal_discrepancies"]


@dataclass
class FleetResult:
    """Per-meter outcome of a campaign step."""

    applied: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    rejected: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Number of meters per outcome."""
        return {
            "applied": len(self.applied),
            "pending": len(self.pending),
            "rejected": len(self.rejected),
        }


def make_fleet(
    count: int,
    fleet: str,
    parameters: TariffParameters,
    regulator_keys: KeyRing,
    reader_keys: KeyRing | None = None,
    *,
    log_capacity: int = 1000,
    serial_prefix: str = "M",
) -> list[Meter]:
    """`count` meters with serials M000001... in `fleet`, all at version 0."""
    readers = reader_keys if reader_keys is not None else KeyRing()
    width = max(6, len(str(count)))
    return [
        Meter(
            f"{serial_prefix}{i:0{width}d}",
            parameters,
            regulator_keys,
            readers,
            fleet=fleet,
            log_capacity=log_capacity,
        )
        for i in range(1, count + 1)
    ]


def apply_to_fleet(meters: Iterable[Meter], signed_package: str, now: datetime) -> FleetResult:
    """Offer the package to each meter (each verifies it independently, as real meters do)."""
    result = FleetResult()
    for meter in meters:
        outcome = meter.offer(signed_package, now)
        if outcome.decision is Decision.APPLIED:
            result.applied.append(meter.serial)
        elif outcome.decision is Decision.PENDING:
            result.pending.append(meter.serial)
        else:
            result.rejected[meter.serial] = outcome.reasons
    return result


def seal_discrepancies(
    report: MeterReport,
    authorised_version: int,
    authorised_hash: str,
    authorised_changes: int,
) -> list[str]:
    """Why a meter's report breaks the electronic seal (empty list: seal intact).

    The platform knows which packages it authorised for the meter: the version, the
    parameter hash it must produce and how many change sessions that implies. Any other
    hash, or more change sessions than authorised, means a change happened outside the
    signed-package path.
    """
    problems = []
    if report.parameter_hash != authorised_hash:
        problems.append(
            f"parameter hash {report.parameter_hash} differs from the authorised {authorised_hash}"
        )
    if report.tariff_version != authorised_version:
        problems.append(
            f"tariff version {report.tariff_version} differs from the authorised "
            f"{authorised_version}"
        )
    if report.event_counter != authorised_changes:
        problems.append(
            f"event counter {report.event_counter} differs from the {authorised_changes} "
            "authorised change sessions"
        )
    return problems
