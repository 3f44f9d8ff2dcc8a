"""Demo content of the ledger: log the demo's certificates (the demo builds them in bulk,
bypassing signals) and sign a first checkpoint. Idempotent."""

from __future__ import annotations

from typing import Any

from jiliang.ledger import services
from jiliang.ledger.records import sync_certificates


def build_ledger_demo(summary_or_today: Any = None) -> dict[str, int]:
    """Append the certificates not yet logged; sign a checkpoint; return the counts."""
    del summary_or_today  # the log needs no date: entries carry their own
    logged = sync_certificates()
    checkpoint = services.latest_checkpoint()
    return {"logged_certificates": logged, "tree_size": checkpoint.size}


__all__ = ["build_ledger_demo"]
