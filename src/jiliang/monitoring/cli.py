"""Commands the monitoring app adds under `jiliang energy` (`add_commands`, called by
`jiliang.cli.energy`). Django, paho and the rest load only inside the commands."""

from __future__ import annotations

from typing import Annotated

import typer


def add_commands(energy_app: typer.Typer) -> None:
    @energy_app.command()
    def listen(
        host: Annotated[str, typer.Option(help="MQTT broker host (JILIANG_MQTT_HOST)")] = "",
        port: Annotated[int, typer.Option(help="MQTT broker port (JILIANG_MQTT_PORT)")] = 0,
        client_id: Annotated[str, typer.Option(help="persistent session id")] = (
            "jiliang-energy-listener"
        ),
        username: Annotated[str, typer.Option(envvar="JILIANG_MQTT_USER")] = "",
        password: Annotated[str, typer.Option(envvar="JILIANG_MQTT_PASSWORD")] = "",
    ) -> None:
        """Subscribe to jiliang/energy/+/readings and store batches (acks on .../ack)."""
        from rich.console import Console

        from jiliang.cli.platform_commands import setup_django

        setup_django()
        from django.conf import settings

        from jiliang.monitoring.mqtt import READINGS
        from jiliang.monitoring.mqtt import listen as run

        err = Console(stderr=True, soft_wrap=True)
        broker_host = host or settings.MQTT_HOST
        broker_port = port or settings.MQTT_PORT
        err.print(f"listening on mqtt://{broker_host}:{broker_port} topic {READINGS}")
        try:
            run(
                broker_host,
                broker_port,
                client_id=client_id,
                username=username or None,
                password=password or None,
            )
        except OSError as exc:
            err.print(f"[red]error:[/] cannot reach the broker {broker_host}:{broker_port}: {exc}")
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            raise typer.Exit(0) from None

    @energy_app.command()
    def compact(
        older_than: Annotated[
            float,
            typer.Option(
                help="move only inbox files last written at least SECONDS ago (a batch "
                "being resent right now stays where it is)",
                metavar="SECONDS",
            ),
        ] = 0.0,
    ) -> None:
        """Move the readings store's inbox (batches of many days) into the day partitions."""
        from rich.console import Console

        from jiliang.cli.platform_commands import setup_django

        err = Console(stderr=True, soft_wrap=True, highlight=False)
        if older_than < 0 or older_than != older_than or older_than == float("inf"):
            err.print(f"[red]error:[/] --older-than {older_than}: give a number of seconds >= 0")
            raise typer.Exit(2)
        setup_django()
        from jiliang.energy.store import Compacted, StoreError
        from jiliang.energy.store import compact as run
        from jiliang.monitoring.ingest import energy_root

        root = energy_root()
        totals = {"files": 0, "rows": 0, "days": 0}

        def progress(moved: Compacted) -> None:
            totals["files"] += 1
            totals["rows"] += moved.rows
            totals["days"] += len(moved.day_files)
            if totals["files"] % 100 == 0:
                err.print(f"{totals['files']} inbox files moved so far")

        try:
            run(root, older_than=older_than, on_file=progress)
        except StoreError as exc:
            err.print(f"[red]error:[/] {exc}")
            err.print(f"(moved all the same: {totals['files']} inbox files; the file named stays)")
            raise typer.Exit(2) from None
        except OSError as exc:
            err.print(f"[red]error:[/] {root}: {exc.strerror or exc}")
            raise typer.Exit(2) from None
        typer.echo(
            f"compacted {totals['files']} inbox files ({totals['rows']} readings) into "
            f"{totals['days']} day files under {root}"
        )
