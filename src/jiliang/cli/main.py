"""Root of the `jiliang` command: each capability adds its own sub-command group.

Start-up budget (issue 13 §6: `jiliang --help` and every `SUBCOMMAND --help` under 0.5 s).
The rules every module under jiliang/cli follows, checked by tests/cli/test_startup.py
(no heavy package on `--help`) and timed by benchmarks/cli_startup.py:

- import Django, numpy, scipy, duckdb, openpyxl, weasyprint, cryptography, yaml… INSIDE the
  command function, never at module level (the module is imported to build the help);
- no module-level rich Console: make it on first use (see certificate.py's `_LazyConsole`);
- help is rendered by click's plain formatter, not typer's rich one: typer.rich_utils
  imports rich.markdown, markdown_it, pygments and rich.traceback, about 40 % of the start-up.
  `TYPER_USE_RICH=1` in the environment brings the boxed help (and rich tracebacks) back.
"""

from __future__ import annotations

import os
from typing import Any

# Before typer is imported: typer.core reads it once (HAS_RICH).
os.environ.setdefault("TYPER_USE_RICH", "0")

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


def _bool_flags_without_pydantic() -> None:
    """Coerce bool flags (every group's own --help among them) without pydantic.

    typer 0.29 builds a pydantic TypeAdapter for each parameter it processes, and every group
    on the way to a sub-command processes its --help flag even when it is not given: importing
    pydantic for that cost ~0.3-0.5 s of `jiliang stats comparison --help`. A click flag
    already arrives as a bool (or None when absent), which typer's pass-through coercion
    accepts as it is. If typer's internals move, this does nothing and
    tests/cli/test_startup.py (pydantic is on its heavy list) says so.
    """
    try:
        from typer import _coercion, core
    except ImportError:  # pragma: no cover - another typer
        return
    build = getattr(core, "build_runtime_param", None)
    passthrough = getattr(_coercion, "PassThroughRuntimeParam", None)
    if build is None or passthrough is None or getattr(build, "_jiliang", False):
        return

    def build_runtime_param(descriptor: Any) -> Any:
        if descriptor.annotation is bool and descriptor.file_annotation is None:
            return passthrough(annotation=bool, parameter_info=descriptor.parameter_info)
        return build(descriptor)

    build_runtime_param._jiliang = True  # type: ignore[attr-defined]
    setattr(core, "build_runtime_param", build_runtime_param)  # noqa: B010


_bool_flags_without_pydantic()  # before any command line is parsed

app = typer.Typer(
    name="jiliang",
    help="jiliang (计量): traceability, verification, uncertainty and trusted records.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,  # its two options are parsed on every call: pydantic, ~0.3 s
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
