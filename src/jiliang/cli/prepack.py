"""`jiliang prepack`: Prepackaged goods: net-quantity evaluation of a lot (JJF 1070).

Heavy libraries and Django load only when a command runs (tests/cli/test_startup.py).
"""

from __future__ import annotations

import typer


def register(root: typer.Typer) -> None:
    """Add `jiliang prepack` to the root command (filled in by its issue)."""
