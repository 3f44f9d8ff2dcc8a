"""`jiliang cmc`: Calibration and measurement capabilities: match demands (issue 16).

Heavy libraries and Django load only when a command runs (tests/cli/test_startup.py).
"""

from __future__ import annotations

import typer


def register(root: typer.Typer) -> None:
    """Add `jiliang cmc` to the root command (filled in by its issue)."""
