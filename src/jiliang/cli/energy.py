"""`jiliang energy`: Energy monitoring: evaluate readings, listen to gateways (issue 14).

Heavy libraries and Django load only when a command runs (tests/cli/test_startup.py).
"""

from __future__ import annotations

import typer


def register(root: typer.Typer) -> None:
    """Add `jiliang energy` to the root command (filled in by its issue)."""
