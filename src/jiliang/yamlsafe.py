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
    "FileRefused",
    "compose",
    "load",
    "load_with_nodes",
    "read_text",
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


# libyaml parses (C); the checks below walk its events before any node is composed, so a
# refused document never reaches the recursive composer. Pure Python where libyaml is absent.
_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc]
    """Safe loader (libyaml where installed) for plain data; ``check`` refuses what it must."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)


def _refuse(what: str, mark: Any) -> ComposerError:
    return ComposerError(None, None, what, mark)


def _check_events(text: str) -> None:
    """Refuse aliases, anchors, foreign tags, too many values and too deep nesting.

    Walks the parser's events (cheap: no nodes are built), so the limits hold before the
    composer, which recurses once per level, ever runs.
    """
    loader = _Loader(text)
    depth = 0
    nodes = 0
    try:
        while True:
            event = loader.get_event()
            if event is None or isinstance(event, yaml.StreamEndEvent):
                return
            if isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
                continue
            if not isinstance(event, yaml.NodeEvent):
                continue
            if isinstance(event, yaml.AliasEvent):
                raise _refuse(
                    f"aliases (*{event.anchor}) are not allowed; write the value out",
                    event.start_mark,
                )
            if event.anchor is not None:
                raise _refuse(
                    f"anchors (&{event.anchor}) are not allowed; write the value out",
                    event.start_mark,
                )
            tag = getattr(event, "tag", None)
            if tag is not None and tag != "!" and tag not in _ALLOWED_TAGS:
                raise _refuse(f"the tag {tag!r} is not allowed in plain data", event.start_mark)
            nodes += 1
            if nodes > MAX_NODES:
                raise _refuse(f"more than {MAX_NODES:,} values", event.start_mark)
            if depth >= MAX_DEPTH:
                raise _refuse(f"nested more than {MAX_DEPTH} levels deep", event.start_mark)
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
    finally:
        loader.dispose()


def _check_merge_keys(root: yaml.Node | None) -> None:
    """Merge keys (<<) only show once the resolver has tagged them: walk the node tree."""
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.tag == _CORE + "merge":
                    raise _refuse("merge keys (<<) are not allowed", key.start_mark)
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


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
    node = compose(text)
    if node is None:
        return None, None
    loader = _Loader("")
    try:
        data = loader.construct_document(node)
    finally:
        loader.dispose()
    return data, node


def load(text: str) -> Any:
    """Parse one YAML document of plain data (no arbitrary objects, no aliases, bounded)."""
    return load_with_nodes(text)[0]


def compose(text: str) -> yaml.Node | None:
    """The node tree of one document (each node with its line), under the same rules."""
    _check_size(text)
    _check_events(text)
    loader = _Loader(text)
    try:
        node: yaml.Node | None = loader.get_single_node()
    finally:
        loader.dispose()
    _check_merge_keys(node)
    return node


class FileRefused(Exception):
    """A YAML file that is not read: missing, unreadable, too large or not UTF-8 (the message
    says which, without the file's name: callers add it in their own error shape)."""


def read_text(path: Any) -> str:
    """The text of a user's YAML file, refused by its size before any byte is read."""
    from pathlib import Path

    file = Path(path)
    try:
        size = file.stat().st_size
        if size > MAX_FILE_BYTES:
            raise FileRefused(f"the file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}")
        return file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileRefused("cannot read the file: no such file") from None
    except OSError as exc:
        raise FileRefused(f"cannot read the file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise FileRefused("the file is not UTF-8 text") from None
