"""YAML for files people write (procedures, uncertainty models): safe, plain and bounded.

Every YAML text that comes from a user is read here, nowhere else. On top of PyYAML's safe
loader this refuses what plain data never needs and what made small files expensive:

- aliases and anchors (``&a``/``*a``): a 314-byte procedure file of nested aliases took 79 s
  of server CPU, because walking the parsed data (or the nodes, to find a key's line) visits
  every alias again; without aliases a document is a tree no larger than its text;
- merge keys (``<<:``) and tags outside YAML's core schema (``!!python/object``, ``!custom``);
- nesting deeper than ``MAX_DEPTH`` (PyYAML composes recursively: thousands of ``[`` end in a
  RecursionError), more than ``MAX_NODES`` nodes, or a text longer than ``MAX_CHARS``;
- impossible dates (``2026-02-30``) and integers too long to convert, which PyYAML raises as a
  bare ValueError with no position.

Each refusal is a ``yaml.MarkedYAMLError`` (a ComposerError or ConstructorError) whose
``problem_mark`` gives the line and column, so the callers' messages name the file and line.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError

__all__ = [
    "MAX_CHARS",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_NODES",
    "compose",
    "load",
    "load_with_nodes",
]

# Far above any procedure or model file (the largest shipped procedure is ~20 kB).
MAX_CHARS = 1_000_000
MAX_DEPTH = 50
MAX_NODES = 100_000
# A file of at most MAX_CHARS characters is at most 4 bytes each in UTF-8.
MAX_FILE_BYTES = 4 * MAX_CHARS

_CORE = "tag:yaml.org,2002:"
# Tags a plain-data document may carry (implicitly resolved or written as !!str etc.).
_ALLOWED_TAGS = frozenset(
    _CORE + name for name in ("null", "bool", "int", "float", "str", "timestamp", "seq", "map")
)


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses aliases, anchors, merge keys and foreign tags, and counts."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def _refuse(self, what: str, mark: Any) -> ComposerError:
        return ComposerError(None, None, what, mark)

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent):
            raise self._refuse(
                f"aliases (*{event.anchor}) are not allowed; write the value out", event.start_mark
            )
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise self._refuse(
                f"anchors (&{anchor}) are not allowed; write the value out", event.start_mark
            )
        tag = getattr(event, "tag", None)
        if tag is not None and tag != "!" and tag not in _ALLOWED_TAGS:
            raise self._refuse(f"the tag {tag!r} is not allowed in plain data", event.start_mark)
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise self._refuse(f"more than {MAX_NODES:,} values", event.start_mark)
        if self._depth >= MAX_DEPTH:
            raise self._refuse(f"nested more than {MAX_DEPTH} levels deep", event.start_mark)
        self._depth += 1
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if isinstance(node, yaml.MappingNode):
            for key, _ in node.value:
                if key.tag == _CORE + "merge":
                    raise self._refuse("merge keys (<<) are not allowed", key.start_mark)
        return node


def _timestamp(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)  # type: ignore[arg-type]
    except (ValueError, OverflowError) as exc:
        raise ConstructorError(
            None, None, f"{node.value!r} is not a valid date: {exc}", node.start_mark
        ) from None


def _int(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_int(loader, node)  # type: ignore[arg-type]
    except ValueError:  # longer than sys.get_int_max_str_digits()
        shown = f"{str(node.value)[:20]}… ({len(str(node.value))} characters)"
        raise ConstructorError(
            None, None, f"{shown} is too long a number", node.start_mark
        ) from None


_Loader.add_constructor(_CORE + "timestamp", _timestamp)
_Loader.add_constructor(_CORE + "int", _int)


def _check_size(text: str) -> None:
    if len(text) > MAX_CHARS:
        raise yaml.YAMLError(
            f"the text is {len(text):,} characters long; the limit is {MAX_CHARS:,}"
        )


def load_with_nodes(text: str) -> tuple[Any, yaml.Node | None]:
    """The data of one YAML document and its node tree (for line numbers), in one pass."""
    _check_size(text)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return data, node


def load(text: str) -> Any:
    """Parse one YAML document of plain data (no arbitrary objects, no aliases, bounded)."""
    return load_with_nodes(text)[0]


def compose(text: str) -> yaml.Node | None:
    """The node tree of one document (each node with its line), under the same rules."""
    _check_size(text)
    loader = _Loader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()
