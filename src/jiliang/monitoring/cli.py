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
