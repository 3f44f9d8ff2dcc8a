"""The registry and the calibration app do not know that notices exist (docs/architecture.md:
notices reads them, never the other way round)."""

from __future__ import annotations

import ast
from pathlib import Path

import jiliang

SRC = Path(jiliang.__file__).resolve().parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_registry_and_calibration_never_import_notices() -> None:
    offenders = [
        str(path.relative_to(SRC))
        for app in ("registry", "calibration")
        for path in sorted((SRC / app).rglob("*.py"))
        if any(
            m == "jiliang.notices" or m.startswith("jiliang.notices.")
            for m in imported_modules(path)
        )
    ]
    assert offenders == []


def test_the_collectors_only_read() -> None:
    """collect.py, the one module that queries the registry and calibration, writes nothing:
    no save, delete or update calls, no raw SQL."""
    tree = ast.parse((SRC / "notices" / "collect.py").read_text(encoding="utf-8"))
    writes = {"save", "delete", "update", "bulk_update", "bulk_create", "create", "execute"}
    called = {
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }
    assert called & writes == set()
