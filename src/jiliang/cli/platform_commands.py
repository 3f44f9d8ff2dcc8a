"""Platform commands: demo, serve, import, trace, impact, due, refresh-due, token.

Each command acts as a platform user (--user or JILIANG_USER) and sees only what that user
may see; without a user it sees the public registers only.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from rich.tree import Tree

console = Console()
err = Console(stderr=True, soft_wrap=True)  # one message a line, however narrow the terminal

UserOption = Annotated[
    str, typer.Option("--user", envvar="JILIANG_USER", help="act as this platform user")
]


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiliang.settings")
    import django

    django.setup()


def _user(username: str) -> Any:
    from django.contrib.auth.models import AnonymousUser

    from jiliang.accounts.models import User

    if not username:
        return AnonymousUser()
    user = User.objects.select_related("institution").filter(username=username).first()
    if user is None:
        err.print(f"[red]error:[/] no user {username!r}")
        raise typer.Exit(2)
    return user


def _migrate(verbose: bool = False) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1 if verbose else 0)


def _serve(host: str, port: int) -> None:
    """gunicorn, hardened against slow clients (jiliang.serving); waitress only where gunicorn
    cannot run (Windows has no fork) or when JILIANG_SERVER=waitress asks for it (the load
    benchmark's baseline)."""
    console.print(
        f"[bold green]jiliang[/] serving on [link]http://{host}:{port}[/link] (Ctrl+C stops)"
    )
    if os.environ.get("JILIANG_SERVER", "gunicorn") != "waitress" and os.name == "posix":
        from jiliang import serving

        try:
            options = serving.ServerOptions.from_environment()
        except ValueError as exc:
            err.print(f"[red]error:[/] {exc}")
            raise typer.Exit(2) from None
        serving.serve(host, port, options)
        return
    from waitress import serve

    from jiliang.wsgi import application

    serve(application, host=host, port=port, threads=8, ident="jiliang")


class TraceDirection(StrEnum):
    up = "up"
    down = "down"


class Kind(StrEnum):
    instruments = "instruments"
    standards = "standards"
    certificates = "certificates"


class Format(StrEnum):
    text = "text"
    json = "json"


def register(app: typer.Typer) -> None:
    @app.command()
    def demo(
        port: Annotated[int, typer.Option(help="port to serve on")] = 8000,
        host: Annotated[str, typer.Option(help="address to bind")] = "127.0.0.1",
        no_serve: Annotated[bool, typer.Option("--no-serve", help="prepare only")] = False,
    ) -> None:
        """Migrate the embedded database, load reference and demo data, and serve the UI/API."""
        setup_django()
        from jiliang.demo import build_everything

        with console.status("migrating the database…"):
            _migrate()
        with console.status("building the demo…") as status:
            report = build_everything(on_step=lambda name: status.update(f"demo: {name}…"))
        table = Table(title="demo logins (password: demo12345)")
        for column in ("user", "role", "institution"):
            table.add_column(column)
        for login in report.logins:
            table.add_row(*login)
        console.print(table)
        console.print(f"web UI: http://{host}:{port}/   API docs: http://{host}:{port}/api/docs")
        if not no_serve:
            _serve(host, port)

    @app.command()
    def serve(
        port: Annotated[int, typer.Option()] = 8000,
        host: Annotated[str, typer.Option()] = "127.0.0.1",
    ) -> None:
        """Serve the web UI and API (migrating first)."""
        setup_django()
        _migrate()
        _serve(host, port)

    @app.command("import")
    def import_(
        kind: Annotated[Kind, typer.Argument(help="what the file holds")],
        file: Annotated[Path, typer.Argument(help=".csv or .xlsx", exists=False)],
        user: UserOption = "",
    ) -> None:
        """Import a file all-or-nothing: every row is checked before anything is written."""
        setup_django()
        from jiliang.registry import importers

        acting = _user(user)
        if not acting.is_authenticated:
            err.print("[red]error:[/] importing needs --user (or JILIANG_USER)")
            raise typer.Exit(2)
        if not file.exists():
            err.print(f"[red]error:[/] {file}: does not exist")
            raise typer.Exit(2)
        try:
            materialised = importers.read_file(file, kind.value)  # header checked first
        except importers.ImportRejected as exc:
            err.print(f"[red]{exc}[/]")
            raise typer.Exit(1) from None
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        with Progress(
            TextColumn(f"importing {kind.value}"), BarColumn(), MofNCompleteColumn(), console=err
        ) as bar:
            task = bar.add_task("rows", total=len(materialised))
            try:
                result = importers.import_rows(
                    kind.value,
                    materialised,
                    acting,
                    file=file.name,
                    progress=lambda n: bar.advance(task, n),
                )
            except importers.ImportRejected as exc:
                bar.stop()
                err.print(f"[red]{exc}[/]")
                raise typer.Exit(1) from None
        console.print(f"imported {result.created} {kind.value} from {file.name}")

    @app.command()
    def trace(
        direction: Annotated[TraceDirection, typer.Argument()],
        ref: Annotated[str, typer.Argument(help="instrument id / serial, or standard id / code")],
        format: Annotated[Format, typer.Option("--format")] = Format.text,
        on: Annotated[str, typer.Option("--on", help="as of this date (default today)")] = "",
        user: UserOption = "",
    ) -> None:
        """Trace an instrument or standard up to primary standards, or a standard down."""
        setup_django()
        from jiliang.registry import traceability

        acting = _user(user)
        if direction is TraceDirection.down:
            standard = _find_standard(ref, acting)
            down = traceability.trace_down(standard, acting)
            certificate_count, instrument_count = down.counts()
            data = {
                "standard": standard.code,
                "standards": down.standards,
                "levels": down.levels,
                "certificate_count": certificate_count,
                "instrument_count": instrument_count,
            }
            if format is Format.json:
                print(json.dumps(data, ensure_ascii=False, indent=2))
            else:
                console.print(
                    f"{standard.code}: {data['certificate_count']} certificates, "
                    f"{data['instrument_count']} instruments depend on it "
                    f"through {len(down.standards)} standard(s)"
                )
            return
        obj = _find_instrument_or_standard(ref, acting)
        result = traceability.trace_up(obj, _date(on, "--on") if on else None)
        data = result.as_dict()
        if format is Format.json:
            print(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            console.print(_tree(data["chain"]))
            state = "[green]valid[/]" if result.valid else "[red]broken[/]"
            console.print(f"chain {state}; ends at: {', '.join(data['terminals']) or '—'}")
        if not result.valid:
            raise typer.Exit(1)

    @app.command()
    def impact(
        standard: Annotated[str, typer.Argument(help="standard id or code")],
        since: Annotated[str, typer.Option("--since", help="date found nonconforming")],
        output: Annotated[Path | None, typer.Option("--output", help=".csv or .xlsx")] = None,
        user: UserOption = "",
    ) -> None:
        """List certificates issued with a nonconforming standard and the customers to notify."""
        setup_django()
        from jiliang.registry import traceability

        acting = _user(user)
        day = _date(since, "--since")
        found = _find_standard(standard, acting)
        last_good, rows = traceability.impact(found, day, acting)
        if output is not None:
            from jiliang.registry import exports

            exports.write_impact(output, found, day, last_good, rows)
            console.print(f"wrote {len(rows)} rows to {output}")
            return
        table = Table(title=f"impact of {found.code} (last good calibration {last_good})")
        for column in ("certificate", "calibrated", "instrument", "serial", "customer"):
            table.add_column(column)
        for r in rows:
            table.add_row(
                r.certificate, str(r.calibration_date), r.instrument, r.serial_number, r.customer
            )
        console.print(table)
        console.print(
            f"{len(rows)} certificates, {len({r.customer_id for r in rows})} customers to notify"
        )

    @app.command()
    def due(
        owner: Annotated[int | None, typer.Option(help="owner institution id")] = None,
        region: Annotated[str, typer.Option(help="division code, e.g. 370300")] = "",
        format: Annotated[Format, typer.Option("--format")] = Format.text,
        user: UserOption = "",
    ) -> None:
        """Instruments overdue or due within the recall window."""
        setup_django()
        from jiliang.registry import services
        from jiliang.registry.models import Instrument

        acting = _user(user)
        entries = services.due_list(
            Instrument.objects.visible_to(acting), owner_id=owner, region=region or None
        )
        if format is Format.json:
            print(
                json.dumps(
                    [{**e.__dict__, "due": e.due.isoformat() if e.due else None} for e in entries],
                    ensure_ascii=False,
                    indent=2,
                )
            )
            return
        table = Table(title=f"due and overdue ({len(entries)})")
        for column in ("id", "instrument", "serial", "owner", "due", "state"):
            table.add_column(column)
        for e in entries:
            table.add_row(
                str(e.instrument_id), e.name, e.serial_number, e.owner, str(e.due or "—"), e.state
            )
        console.print(table)

    @app.command("refresh-due")
    def refresh_due() -> None:
        """Recompute the registry's caches from the certificates (admin repair): every
        instrument's due date, the due-date counts and every laboratory's customers."""
        setup_django()
        from jiliang.registry import services

        changed = services.refresh_due_dates(None)
        print(f"{changed} instrument due date(s) changed")
        from jiliang.registry import due_counts  # kept by triggers; rebuilt as a repair

        print(f"{due_counts.rebuild()} due-count row(s) rebuilt")
        rows = services.refresh_customers(None)
        print(f"{rows} laboratory–instrument 'worked on' row(s) stored")

    @app.command()
    def token(
        username: Annotated[str, typer.Argument(help="user to issue an API token for")],
        name: Annotated[str, typer.Option(help="label for the token")] = "cli",
        days: Annotated[
            int | None, typer.Option(help="lifetime in days (default JILIANG_API_TOKEN_DAYS, 90)")
        ] = None,
    ) -> None:
        """Issue an API token (printed once) for a machine client; it expires after --days."""
        setup_django()
        from jiliang.accounts.models import ApiToken

        acting = _user(username)
        if not acting.is_authenticated:
            err.print("[red]error:[/] name the user the token is for")
            raise typer.Exit(2)
        try:
            token, raw = ApiToken.issue(acting, name, days)
        except ValueError as exc:
            err.print(f"[red]error:[/] {exc}")
            raise typer.Exit(2) from None
        err.print(f"token {token.prefix}… expires {token.expires:%Y-%m-%d %H:%M %Z}")
        print(raw)

    @app.command()
    def tokens(username: Annotated[str, typer.Argument(help="whose tokens to list")]) -> None:
        """List a user's API tokens (prefix, expiry, state); the secrets are never stored."""
        setup_django()
        from jiliang.accounts.models import ApiToken

        acting = _user(username)
        table = Table(title=f"API tokens of {username}")
        for column in ("id", "prefix", "name", "created", "expires", "last used", "state"):
            table.add_column(column)
        for t in ApiToken.objects.filter(user=acting).order_by("-created", "-id"):
            table.add_row(
                str(t.pk),
                t.prefix + "…",
                t.name,
                f"{t.created:%Y-%m-%d %H:%M}",
                f"{t.expires:%Y-%m-%d %H:%M}",
                f"{t.last_used:%Y-%m-%d %H:%M}" if t.last_used else "—",
                t.state,
            )
        console.print(table)

    @app.command("revoke-token")
    def revoke_token(
        username: Annotated[str, typer.Argument(help="whose token")],
        token_ref: Annotated[str, typer.Argument(help="the token's id or prefix (jl_…)")],
    ) -> None:
        """Revoke one of a user's API tokens (it then gives 401); an administrator's command."""
        setup_django()
        from jiliang.accounts.models import ApiToken

        acting = _user(username)
        mine = ApiToken.objects.filter(user=acting)
        if token_ref.isascii() and token_ref.isdigit() and len(token_ref) <= 18:
            found = list(mine.filter(pk=int(token_ref)))
        else:
            found = list(mine.filter(prefix=token_ref.removesuffix("…"))[:2])
        if len(found) != 1:
            reason = "matches several tokens: give its id" if found else "is no token of the user"
            err.print(f"[red]error:[/] {token_ref!r} {reason}")
            raise typer.Exit(2)
        found[0].revoke()
        print(f"revoked {found[0]}")


def _date(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        err.print(f"[red]error:[/] {option} {text!r} is not a date (YYYY-MM-DD)")
        raise typer.Exit(2) from None


def _find_standard(ref: str, user: Any) -> Any:
    from jiliang.registry.models import MeasurementStandard

    qs = MeasurementStandard.objects.visible_to(user)
    found = qs.filter(pk=int(ref)).first() if ref.isdigit() else qs.filter(code=ref).first()
    if found is None:
        err.print(f"[red]error:[/] no standard {ref!r} visible to you")
        raise typer.Exit(2)
    return found


def _find_instrument_or_standard(ref: str, user: Any) -> Any:
    from jiliang.registry.models import Instrument, MeasurementStandard

    if ref.startswith("S:") or ref.startswith("GJJ"):
        return _find_standard(ref.removeprefix("S:"), user)
    qs = Instrument.objects.visible_to(user)
    found = qs.filter(pk=int(ref)).first() if ref.isdigit() else None
    if found is None:
        matches = list(qs.filter(serial_number=ref)[:2])
        if len(matches) > 1:
            err.print(f"[red]error:[/] serial {ref!r} is ambiguous; give the instrument id")
            raise typer.Exit(2)
        found = matches[0] if matches else None
    if found is None and MeasurementStandard.objects.visible_to(user).filter(code=ref).exists():
        return _find_standard(ref, user)
    if found is None:
        err.print(f"[red]error:[/] no instrument {ref!r} visible to you")
        raise typer.Exit(2)
    return found


def _tree(node: dict[str, Any], tree: Tree | None = None) -> Tree:
    from rich.tree import Tree

    if node["type"] == "instrument":
        cert = node["certificate"]
        label = f"[bold]{node['name']}[/] {node['serial_number']}"
        if cert:
            label += f" ← {cert['number']} ({cert['issuer']}, {cert['calibration_date']}→{cert['valid_until']})"
        if node["external"]:
            label += f" [cyan]external: {node['external']}[/]"
        children = node["standards"]
    else:
        label = f"[bold blue]{node['code']}[/] {node['name']} ({node['institution']})"
        if node["terminal"]:
            label += f" [green]● {node['terminal']}[/]"
        children = node["equipment"]
    for p in node["problems"]:
        label += f"\n[red]✗ {p['code']}: {p['message']}[/]"
    branch = Tree(label) if tree is None else tree.add(label)
    for child in children:
        _tree(child, branch)
    return branch


if __name__ == "__main__":  # pragma: no cover
    sys.exit(0)
