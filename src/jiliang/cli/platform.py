"""Platform commands (demo, serve, import, trace, impact, due) that need Django."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach the platform commands to the root app."""
    from jiliang.cli import platform_commands

    platform_commands.register(app)
