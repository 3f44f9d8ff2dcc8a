"""`jiliang certificate` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="certificate commands.", no_args_is_help=True)
