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


def write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path
