"""`jiliang notify`: the daily run of reminders and notices, for cron or a systemd timer.

Safe to run twice (docs/notices.md): what was already told is not told again, and only new
(or earlier failed) notices are e-mailed. Django loads only when the command runs.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

console = Console()
err = Console(stderr=True, soft_wrap=True)  # one message a line, however narrow the terminal


def _day(text: str) -> dt.date:
    if not text:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        err.print(
            f"[red]error:[/] --on {text!r}: not a date; write it as YYYY-MM-DD, e.g. 2026-06-01"
        )
        raise typer.Exit(2) from None


def _scope(username: str, institution: str) -> Any:
    from jiliang.notices.collect import Scope

    user_id = institution_id = None
    if username:
        from jiliang.accounts.models import User

        found = User.objects.filter(username=username).values_list("pk", flat=True).first()
        if found is None:
            err.print(f"[red]error:[/] --user {username!r}: no such user")
            raise typer.Exit(2)
        user_id = found
    if institution:
        from jiliang.registry.models import Institution

        query = Institution.objects.filter(uscc=institution.upper())
        if institution.isdigit() and len(institution) < 18:
            query = Institution.objects.filter(pk=int(institution))
        found = query.values_list("pk", flat=True).first()
        if found is None:
            err.print(
                f"[red]error:[/] --institution {institution!r}: no institution with this"
                " unified social credit code (18 characters) or id"
            )
            raise typer.Exit(2)
        institution_id = found
    return Scope(user_id=user_id, institution_id=institution_id)


def _table(data: dict[str, Any]) -> Table:
    from jiliang.notices.models import Kind

    title = f"notices on {data['on']}" + (
        " (dry run: nothing stored or sent)" if data["dry_run"] else ""
    )
    table = Table(title=title)
    for column in ("kind 类型", "found 应有", "new 新增"):
        table.add_column(column, justify="right" if column[0] != "k" else "left")
    for kind in Kind:
        counts = data["kinds"][kind.value]
        table.add_row(str(kind.label), str(counts["found"]), str(counts["new"]))
    table.add_row("all 合计", str(data["found"]), str(data["new"]), style="bold")
    return table


def register(app: typer.Typer) -> None:
    @app.command()
    def notify(
        on: Annotated[
            str, typer.Option("--on", help="the day to remind for, YYYY-MM-DD (today)")
        ] = "",
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="count what would be sent; store and send nothing")
        ] = False,
        user: Annotated[str, typer.Option("--user", help="only this user's notices")] = "",
        institution: Annotated[
            str,
            typer.Option("--institution", help="only the users of this institution (USCC or id)"),
        ] = "",
        as_json: Annotated[bool, typer.Option("--json", help="print a JSON summary")] = False,
    ) -> None:
        """Remind owners, standard owners, customers and regulators; e-mail the new notices."""
        day = _day(on)
        from django.core.exceptions import ImproperlyConfigured

        from jiliang.cli.platform_commands import setup_django

        try:
            setup_django()
        except ImproperlyConfigured as exc:  # e.g. JILIANG_EMAIL_PORT not a number
            err.print(f"[red]error:[/] settings: {exc}")
            raise typer.Exit(2) from None
        from django.db import DatabaseError

        try:
            _notify(day, dry_run, _scope(user, institution), as_json)
        except DatabaseError as exc:
            err.print(
                f"[red]error:[/] the database is not ready ({exc}); migrate it first"
                " (`jiliang serve` migrates, or `python -m django migrate`)"
            )
            raise typer.Exit(2) from None


def _notify(day: dt.date, dry_run: bool, scope: Any, as_json: bool) -> None:
    """Run, then print the summary; exit 1 when some e-mail failed (retried next run)."""
    from jiliang.notices import services
    from jiliang.registry.rules import RuleNotInForce

    try:
        if as_json:
            summary = services.run(day, scope, dry_run=dry_run)
        else:
            with console.status("collecting notices…") as status:
                summary = services.run(
                    day,
                    scope,
                    dry_run=dry_run,
                    on_step=lambda kind: status.update(f"collecting: {kind}…"),
                    on_sent=lambda i, n: status.update(f"e-mailing: {i}/{n}"),
                )
    except RuleNotInForce as exc:
        err.print(f"[red]error:[/] --on {day}: {exc}")
        raise typer.Exit(2) from None
    data = summary.as_json()
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        console.print(_table(data))
        console.print(
            f"e-mailed 已发送: {data['mailed']}   failed 失败 (retried next run): {data['failed']}"
        )
        for line in data["errors"]:
            err.print(f"[yellow]mail:[/] {line}")
    if data["failed"]:
        raise typer.Exit(1)
