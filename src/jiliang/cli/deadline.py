"""`jiliang deadline`: working-day deadlines under China's official calendar.

Stable contract (docs/deadline.md):
    jiliang deadline START --working-days N [--pause FROM:TO ...] [--assume-weekdays] [--json]
prints the due date. Bad input exits 2 with one line naming the argument and the reason.
The calendar package loads only when the command runs (tests/cli/test_startup.py).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

import typer
from rich.console import Console

console = Console()
err = Console(stderr=True, soft_wrap=True)  # one message a line, however narrow the terminal


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/] {message}", markup=True, highlight=False)
    return typer.Exit(2)


def register(root: typer.Typer) -> None:
    """Add `jiliang deadline` to the root command."""

    @root.command()
    def deadline(
        start: Annotated[
            str,
            typer.Argument(help="Start day YYYY-MM-DD (e.g. the day of acceptance; not counted)"),
        ],
        working_days: Annotated[
            int, typer.Option("--working-days", "-n", help="Time limit in working days")
        ],
        pause: Annotated[
            list[str] | None,
            typer.Option(
                "--pause",
                help="Clock stopped FROM:TO, both days included (repeatable), "
                "e.g. 2025-02-10:2025-02-14",
            ),
        ] = None,
        assume_weekdays: Annotated[
            bool,
            typer.Option(
                "--assume-weekdays",
                help="For a year the calendar does not know yet, count Monday-Friday "
                "(the result then carries a warning) instead of refusing",
            ),
        ] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
    ) -> None:
        """Due date N working days after START (holidays and adjusted working days 调休)."""
        from jiliang.workdays import CalendarError, add_working_days, parse_pause

        try:
            day = dt.date.fromisoformat(start)
        except ValueError:
            raise _fail(f"START {start!r}: not a date; write it as YYYY-MM-DD") from None
        try:
            pauses = [parse_pause(p) for p in pause or []]
            result = add_working_days(day, working_days, pauses, assume_weekdays=assume_weekdays)
        except CalendarError as exc:
            text = str(exc)
            if text.startswith("working days"):
                raise _fail(f"--working-days: {text[len('working days: ') :]}") from None
            if text.startswith("pause"):
                raise _fail(f"--pause: {text[len('pause ') :]}") from None
            raise _fail(f"calendar: {text}") from None
        if as_json:
            typer.echo(json.dumps(result.as_json(), ensure_ascii=False))
            return
        typer.echo(result.due.isoformat())
        if result.warning:
            err.print(f"warning: {result.warning}", highlight=False)
