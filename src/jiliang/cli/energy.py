"""`jiliang energy`: Energy monitoring: evaluate readings, listen to gateways (issue 14).

Heavy libraries and Django load only when a command runs (tests/cli/test_startup.py).
``evaluate`` is the stable contract of docs/energy.md; ``listen`` and the admin commands come
from the monitoring app (``jiliang.monitoring.cli.add_commands``) when it provides them.
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

console = Console()
err = Console(stderr=True, soft_wrap=True)  # one message a line, however narrow the terminal


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/] {message}", markup=True, highlight=False)
    return typer.Exit(2)


def _number(value: float | None, digits: int = 3) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value:,.{digits}f}"


def _print(document: dict[str, Any]) -> None:
    totals = document["totals"]
    coeff = totals["coefficients"]
    console.print(
        f"[bold]{document['site'] or 'site'}[/] {document['period']['from']} – "
        f"{document['period']['to']}  ({document['readings']} readings,"
        f" engine {document['engine']})"
    )
    table = Table(title="energy by variety 分品种能耗")
    for column in ("variety", "quantity", "unit", "tce", "verified share"):
        table.add_column(column, justify="left" if column in ("variety", "unit") else "right")
    for variety, row in totals["by_variety"].items():
        share = row["verified_share"]
        table.add_row(
            variety,
            _number(row["quantity"]),
            row["unit"],
            _number(row["tce"], 4),
            "—" if share is None else f"{share:.1%}",
        )
    console.print(table)
    co2 = totals["co2"]
    console.print(
        f"tce {_number(totals['tce'], 4)} (u {_number(totals['tce_u'], 4)}),"
        f" {coeff['edition']}, electricity {coeff['electricity_basis']}"
    )
    console.print(
        f"CO2 {_number(co2['value'], 4)} t, U = {_number(co2['U'], 4)} t (k = {co2['k']:g});"
        f" {co2['method']}"
    )
    if co2["without_factor"]:
        console.print(f"no emission factor given for: {', '.join(co2['without_factor'])}")
    flagged = Table(title="days with flags 有标记的日")
    for column in ("point", "day", "quantity", "completeness", "flags"):
        flagged.add_column(column)
    shown = 0
    for pid, point in document["points"].items():
        for day in point["days"]:
            if day["flags"] and shown < 40:
                flagged.add_row(
                    pid,
                    day["day"],
                    _number(day["quantity"]),
                    f"{day['completeness']:.0%}",
                    ", ".join(day["flags"]),
                )
                shown += 1
    if shown:
        console.print(flagged)


def _monitoring_commands(energy_app: typer.Typer) -> None:
    """Let the monitoring app add `listen` etc., without importing it for `--help` checks."""
    if importlib.util.find_spec("jiliang.monitoring.cli") is None:
        return
    from jiliang.monitoring import cli as monitoring_cli

    add = getattr(monitoring_cli, "add_commands", None)
    if add is not None:
        add(energy_app)


def _export_command(energy_app: typer.Typer) -> None:
    """`jiliang energy export`: messages to a provincial platform (docs/energy-export.md)."""

    @energy_app.command()
    def export(
        user: Annotated[str, typer.Option("--user", help="energy user code")],
        start: Annotated[str, typer.Option("--from", help="first day YYYY-MM-DD")] = "",
        end: Annotated[str, typer.Option("--to", help="last day YYYY-MM-DD")] = "",
        profile: Annotated[
            str, typer.Option(help="mapping profile: a shipped name (nm-v1) or a YAML file")
        ] = "generic-v1",
        endpoint: Annotated[
            str, typer.Option(envvar="JILIANG_EXPORT_ENDPOINT", help="platform URL (https)")
        ] = "",
        token: Annotated[
            str,
            typer.Option(envvar="JILIANG_EXPORT_TOKEN", help="bearer token", show_default=False),
        ] = "",
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="print what would be sent; store nothing")
        ] = False,
        as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
        timeout: Annotated[float, typer.Option(min=1, max=600, help="seconds per POST")] = 30.0,
        interval: Annotated[
            bool, typer.Option("--interval", help="also the validated 15/30/60-min figures")
        ] = False,
    ) -> None:
        """Store the daily figures of --from..--to as messages and send every unacknowledged
        one (without --from/--to: resend what is pending)."""
        from jiliang.monitoring.export_cli import run

        code = run(
            user=user,
            start=start,
            end=end,
            profile_name=profile,
            endpoint=endpoint,
            token=token,
            dry_run=dry_run,
            as_json=as_json,
            timeout=timeout,
            interval=interval,
        )
        if code:
            raise typer.Exit(code)

    @energy_app.command("export-withdraw")
    def export_withdraw(
        user: Annotated[str, typer.Option("--user", help="energy user code")],
        message: Annotated[str, typer.Option("--message", help="message id (32 hex digits)")],
        reason: Annotated[str, typer.Option("--reason", help="why it is withdrawn")],
        as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    ) -> None:
        """Withdraw a stored message (pending, sent or refused): it stays listed with who,
        when and why, and is never sent again."""
        from jiliang.monitoring.export_cli import withdraw

        code = withdraw(user=user, message=message, reason=reason, as_json=as_json)
        if code:
            raise typer.Exit(code)


def _equipping_command(energy_app: typer.Typer) -> None:
    """`jiliang energy equipping`: the GB 17167 check of one energy user (docs/energy.md)."""

    @energy_app.command()
    def equipping(
        user: Annotated[str, typer.Option("--user", help="energy user code")],
        edition: Annotated[
            str, typer.Option(help="rules edition, e.g. 'GB 17167-2006'")
        ] = "GB 17167-2006",
        as_json: Annotated[bool, typer.Option("--json", help="print the JSON report")] = False,
    ) -> None:
        """Equipping rate per level and variety, and accuracy per boundary meter, from the
        metering tree and the registry. Exit 1 when the user does not comply, 2 when refused."""
        from jiliang.cli.platform_commands import setup_django

        setup_django()
        from jiliang.energy.equipping import EquippingError
        from jiliang.monitoring.equipping import report_for
        from jiliang.monitoring.models import EnergyUser

        found = EnergyUser.objects.filter(code=user[:40]).first()
        if found is None:
            raise _fail(f"--user {user!r}: no such energy user")
        try:
            report = report_for(found, edition)
        except EquippingError as exc:
            raise _fail(str(exc)) from None
        if as_json:
            typer.echo(json.dumps(report, ensure_ascii=False, indent=1, allow_nan=False))
        else:
            _print_equipping(report)
        if not report["pass"]:
            raise typer.Exit(1)


def _print_equipping(report: dict[str, Any]) -> None:
    flag = "confirmed" if report["confirmed"] else "NOT confirmed against the published text"
    console.print(
        f"[bold]{report['user']}[/] {report['edition']} ({flag}); electricity category"
        f" {report['category'] or '—'}: {'complies' if report['pass'] else 'does not comply'}",
        highlight=False,
    )
    table = Table(title="equipping rate 配备率")
    for column in ("level", "variety", "required", "equipped", "rate %", "required %", "ok"):
        table.add_column(column)
    for level in report["levels"]:
        for row in level["rows"]:
            ok = row["pass"]
            table.add_row(
                level["key"],
                row["variety"],
                str(row["required"]),
                str(row["equipped"]),
                f"{row['rate']:g}",
                "—" if row["required_rate"] is None else f"{row['required_rate']:g}",
                "—" if ok is None else ("yes" if ok else "NO"),
            )
    console.print(table)
    for gap in report["missing"]:
        console.print(f"missing: {gap['node']} (level {gap['level']}) {gap['variety']}: "
                      f"{gap['reason']}", highlight=False)  # fmt: skip
    for row in report["accuracy"]:
        if row["verdict"] in ("fail", "unknown"):
            console.print(
                f"accuracy {row['verdict']}: {row['point']} class {row['class'] or '—'},"
                f" required {row['required'] if row['required'] is not None else '—'}"
                f" {row['reason']}".rstrip(),
                highlight=False,
            )


def register(root: typer.Typer) -> None:
    """Add `jiliang energy` to the root command."""
    energy_app = typer.Typer(
        help="Energy monitoring: evaluate readings (VEE, daily energy, tce, CO2), listen, GB 17167 check, provincial export.",
        no_args_is_help=True,
    )
    root.add_typer(energy_app, name="energy")

    @energy_app.command()
    def evaluate(
        site: Annotated[Path, typer.Argument(help="SITE.yaml: points, period, coefficients")],
        readings: Annotated[
            Path, typer.Argument(help="READINGS.csv or .parquet: point,time,value")
        ],
        engine: Annotated[str, typer.Option(help="embedded (DuckDB) or dask")] = "embedded",
        scheduler: Annotated[
            str, typer.Option(help="Dask scheduler address; default a LocalCluster")
        ] = "",
        partitions: Annotated[
            int, typer.Option(min=0, max=10_000, help="point groups (0: automatic)")
        ] = 0,
        as_json: Annotated[bool, typer.Option("--json", help="print the JSON document")] = False,
        mc: Annotated[
            bool, typer.Option("--mc", help="add a Monte Carlo CO2 uncertainty (approach 2)")
        ] = False,
        series: Annotated[
            Path | None,
            typer.Option(help="also write the validated series (per value) to OUT.parquet|.csv"),
        ] = None,
    ) -> None:
        """VEE and daily energy of READINGS for SITE, with tce and CO2 (docs/energy.md)."""
        from jiliang.energy import ENGINES, EnergyError, co2_monte_carlo, load_site
        from jiliang.energy import evaluate as run

        if engine not in ENGINES:
            raise _fail(f"--engine {engine!r}: use one of {', '.join(ENGINES)}")
        if series is not None and series.suffix.lower() not in (".parquet", ".pq", ".csv"):
            raise _fail(f"--series {series}: write it as .parquet or .csv")
        if scheduler and engine != "dask":
            raise _fail("--scheduler is for --engine dask")
        from jiliang import yamlsafe

        try:
            text = yamlsafe.read_text(site)
        except yamlsafe.FileRefused as exc:
            raise _fail(f"{site}: {exc}") from None
        try:
            parsed = load_site(text)
        except EnergyError as exc:
            raise _fail(f"{site.name}: {exc}") from None
        try:
            document = run(
                parsed,
                readings,
                engine=engine,
                scheduler=scheduler or None,
                n_partitions=partitions or None,
            )
        except EnergyError as exc:
            raise _fail(str(exc)) from None
        except OSError as exc:  # an unreachable scheduler
            raise _fail(f"--scheduler {scheduler!r}: {exc}") from None
        if series is not None:
            from jiliang.energy import validated_series, write_series

            try:
                write_series(validated_series(parsed, readings), series)
            except EnergyError as exc:
                raise _fail(str(exc)) from None
            except OSError as exc:
                raise _fail(f"--series {series}: cannot be written ({exc.strerror})") from None
        if mc:
            document["totals"]["co2"]["monte_carlo"] = co2_monte_carlo(document, parsed)
        if as_json:
            typer.echo(json.dumps(document, ensure_ascii=False, indent=1, allow_nan=False))
        else:
            _print(document)

    _export_command(energy_app)
    _equipping_command(energy_app)
    _monitoring_commands(energy_app)
