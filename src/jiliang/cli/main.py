"""Root of the `jiliang` command: each capability adds its own sub-command group."""

from __future__ import annotations

import typer

from jiliang.cli import (
    certificate,
    cmc,
    deadline,
    energy,
    ledger,
    ledger_db,
    notify,
    platform,
    prepack,
    stats,
    uncertainty,
)

app = typer.Typer(
    name="jiliang",
    help="jiliang (计量): traceability, verification, uncertainty and trusted records.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)

platform.register(app)
app.add_typer(uncertainty.app, name="uncertainty")
app.add_typer(stats.app, name="stats")
app.add_typer(ledger.app, name="ledger")
ledger_db.register(ledger.app)
app.add_typer(certificate.app, name="certificate")
notify.register(app)
energy.register(app)
prepack.register(app)
deadline.register(app)
cmc.register(app)


if __name__ == "__main__":  # pragma: no cover
    app()
