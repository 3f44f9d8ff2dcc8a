"""`jiliang uncertainty` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="uncertainty commands.", no_args_is_help=True)
