"""Demo content of the `monitoring` app, built on the registry's demo world (idempotent)."""

from __future__ import annotations

from typing import Any


def build_monitoring_demo(summary: Any) -> dict[str, Any]:
    """Nothing yet; returns what was built, for the demo's summary."""
    return {}
