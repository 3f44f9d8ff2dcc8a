"""YAML for files people write: the safe loader, with impossible dates reported at their line.

PyYAML's SafeLoader turns `2026-02-30` into a plain ValueError with no position, so a model or
procedure file with a typo would crash instead of naming the line. Here such a scalar raises a
ConstructorError (a MarkedYAMLError) that carries the node's line and column.
"""

from __future__ import annotations

from typing import Any

import yaml


class _SafeDatesLoader(yaml.SafeLoader):
    """SafeLoader whose timestamp constructor reports impossible dates with their mark."""


def _timestamp(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)  # type: ignore[arg-type]
    except (ValueError, OverflowError) as exc:
        raise yaml.constructor.ConstructorError(
            None, None, f"{node.value!r} is not a valid date: {exc}", node.start_mark
        ) from None


_SafeDatesLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def load(text: str) -> Any:
    """Parse one YAML document with the safe loader (no arbitrary objects, ever)."""
    return yaml.load(text, Loader=_SafeDatesLoader)  # noqa: S506 - a SafeLoader subclass
