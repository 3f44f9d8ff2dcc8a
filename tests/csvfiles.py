"""Import files for tests: the certificate columns and a CSV writer (UTF-8, header first)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

CERTIFICATE_HEADER = [
    "number",
    "kind",
    "issuer_uscc",
    "instrument_owner_uscc",
    "instrument_serial",
    "regulation",
    "calibration_date",
    "issued_on",
    "valid_until",
    "conclusion",
    "standards",
]


def scale_certificate(world: Any, number: str) -> list[str]:
    """A row of CERTIFICATE_HEADER: the city institute verified the market's scale SCALE-0001
    with its F1 weights on 2026-01-05, valid to 2027-01-04 (the shared test world)."""
    return [
        number,
        "verification",
        world.city.uscc,
        world.market.uscc,
        "SCALE-0001",
        "JJG 539-2016",
        "2026-01-05",
        "2026-01-06",
        "2027-01-04",
        "pass",
        "ZB-F1-001",
    ]


def write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path
