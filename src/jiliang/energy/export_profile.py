"""The mapping profile of a provincial platform (``data/energy/provincial/NAME.yaml``): found by
name or path, read, and checked key by key, so a profile the exporter cannot use is refused
when loaded, naming its file and key. What a profile holds and why it is data, not code: the
docstring of `jiliang.energy.export` and docs/energy-export.md. Kept apart from the messages
and their delivery (`export.py`), which import from here; this module imports `export.py` only
inside `_self_check`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import string
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from jiliang import yamlsafe
from jiliang.energy import _data
from jiliang.energy._errors import EnergyError
from jiliang.energy.export_schema import schema_errors

PROFILE_DIR = _data.DATA_DIR / "provincial"
# Period kinds a figure can have: a 15/30/60-min interval, or a day (00:00 to 00:00, +08:00).
KINDS = ("interval", "day")
# Quality categories of a figure, most severe first: a figure takes the first that applies.
QUALITIES = ("missing", "incomplete", "estimated", "edited", "not_verified", "ok")
ENVELOPE_FIELDS = ("schema_version", "message_id", "user_code", "count", "items")
ITEM_FIELDS = ("code", "point", "start", "value", "unit", "quality")
OPTIONAL_ITEM_FIELDS = frozenset({"point"})
TIME_FORMATS = ("iso8601", "yyyyMMddHHmmss")
PERIOD_LABELS = ("start",)
_TOP_KEYS = {
    "profile": True,
    "title": False,
    "schema_version": True,
    "confirmed": True,
    "source": True,
    "notes": False,
    "schema": True,
    "period_label": True,
    "time_format": False,
    "max_items": False,
    "envelope": True,
    "item_fields": True,
    "extra": False,
    "quality": True,
    "ack": True,
    "items": True,
}
_ACK_KEYS = frozenset({"echo_field", "status_field", "ok_values", "refused_values"})
_ITEM_KEYS = frozenset({"code", "unit", "decimals"})
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
# Placeholders a data-item code may contain, for platforms that code each meter or each
# enterprise's item ("{user}-{variety_code}-{point}"): filled in per item.
CODE_FIELDS = ("user", "point", "variety", "variety_code")


class ExportError(EnergyError):
    """A profile, figure or message that cannot be used: the file, key or item is named."""


@dataclass(frozen=True)
class ItemCode:
    """The platform's data-item code for one variety and period kind, with its unit."""

    code: str
    unit: str
    decimals: int


@dataclass(frozen=True)
class Profile:
    """A checked mapping profile (see `jiliang.energy.export` and docs/energy-export.md)."""

    name: str
    path: Path
    schema_version: str
    confirmed: bool
    period_label: str
    time_format: str
    max_items: int
    envelope: dict[str, str]
    item_fields: dict[str, str | None]
    extra: dict[str, str]
    quality: dict[str, str]
    ack: dict[str, Any]
    items: dict[tuple[str, str], ItemCode]
    schema: dict[str, Any]


def profile_names() -> list[str]:
    """Names of the shipped profiles."""
    return sorted(p.stem for p in PROFILE_DIR.glob("*.yaml"))


def profile_path(name: str) -> Path:
    """A shipped profile by name (``nm-v1``), or a profile file given by its path."""
    if _NAME.match(name):
        path = PROFILE_DIR / f"{name}.yaml"
        if not path.is_file():
            raise ExportError(
                f"profile {name!r}: no such profile; shipped: {', '.join(profile_names())}"
            )
        return path
    path = Path(name)
    if path.suffix.lower() not in (".yaml", ".yml") or not path.is_file():
        raise ExportError(f"profile {name!r}: neither a shipped profile name nor a YAML file")
    return path


def load_profile(name: str) -> Profile:
    """Read and check a profile (shipped name or path): every refusal names file and key."""
    path = profile_path(name)
    try:
        text = yamlsafe.read_text(path)
    except yamlsafe.FileRefused as exc:
        raise ExportError(f"{path.name}: {exc}") from None
    try:
        data = yamlsafe.load(text)
    except yaml.YAMLError as exc:
        raise ExportError(f"{path.name}: not valid YAML: {exc}") from None
    return parse_profile(data, path)


def _fail(path: Path, key: str, reason: str) -> ExportError:
    return ExportError(f"{path.name}: {key}: {reason}")


def _text(path: Path, key: str, value: Any, *, pattern: re.Pattern[str] | None = None) -> str:
    if not isinstance(value, str) or not value.strip():
        kind = type(value).__name__
        hint = " (quote codes such as 0101 so YAML keeps them as strings)" if kind == "int" else ""
        raise _fail(path, key, f"a non-empty string is required, got {kind}{hint}")
    if pattern is not None and not pattern.match(value):
        raise _fail(path, key, f"{value!r} is not a plain field name")
    return value


def _mapping(
    path: Path, key: str, value: Any, allowed: Iterable[str] | None = None
) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(path, key, "a mapping is required")
    if allowed is not None:
        allowed_set = set(allowed)
        for sub in value:
            if sub not in allowed_set:
                raise _fail(
                    path, f"{key}.{sub}", f"unknown key; allowed: {', '.join(sorted(allowed_set))}"
                )
    return value


def _names(path: Path, key: str, value: Any, fields: tuple[str, ...]) -> dict[str, str | None]:
    raw = _mapping(path, key, value, fields)
    out: dict[str, str | None] = {}
    for field in fields:
        if field not in raw:
            if field in OPTIONAL_ITEM_FIELDS and key == "item_fields":
                out[field] = None
                continue
            raise _fail(path, f"{key}.{field}", "missing")
        if raw[field] is None and field in OPTIONAL_ITEM_FIELDS and key == "item_fields":
            out[field] = None
            continue
        out[field] = _text(path, f"{key}.{field}", raw[field], pattern=_FIELD)
    used = [v for v in out.values() if v is not None]
    if len(used) != len(set(used)):
        raise _fail(path, key, "two fields have the same name")
    return out


def parse_profile(data: Any, path: Path) -> Profile:
    """Check a profile's parsed YAML (``path`` names it in errors and locates its schema)."""
    top = _mapping(path, "(top level)", data, _TOP_KEYS)
    for key, required in _TOP_KEYS.items():
        if required and key not in top:
            raise _fail(path, key, "missing")
    name = _text(path, "profile", top["profile"])
    if name != path.stem:
        raise _fail(path, "profile", f"{name!r} differs from the file name {path.stem!r}")
    if not isinstance(top["confirmed"], bool):
        raise _fail(path, "confirmed", "true or false")
    source = top["source"]
    if not isinstance(source, (str, dict)) or not source:
        raise _fail(path, "source", "where the codes come from (text or a mapping)")
    label = top["period_label"]
    if label not in PERIOD_LABELS:
        raise _fail(path, "period_label", f"one of {', '.join(PERIOD_LABELS)}")
    time_format = top.get("time_format", "iso8601")
    if time_format not in TIME_FORMATS:
        raise _fail(path, "time_format", f"one of {', '.join(TIME_FORMATS)}")
    max_items = top.get("max_items", 1000)
    if type(max_items) is not int or not 1 <= max_items <= 100_000:
        raise _fail(path, "max_items", "an integer from 1 to 100000")
    envelope = {
        k: v for k, v in _names(path, "envelope", top["envelope"], ENVELOPE_FIELDS).items() if v
    }
    item_fields = _names(path, "item_fields", top["item_fields"], ITEM_FIELDS)
    extra_raw = _mapping(path, "extra", top.get("extra") or {})
    extra = {}
    for key, value in extra_raw.items():
        _text(path, "extra", key, pattern=_FIELD)
        extra[key] = _text(path, f"extra.{key}", value)
    if set(extra) & set(envelope.values()):
        raise _fail(path, "extra", "a field has the name of an envelope field")
    quality_raw = _mapping(path, "quality", top["quality"], QUALITIES)
    quality = {}
    for category in QUALITIES:
        if category not in quality_raw:
            raise _fail(path, f"quality.{category}", "missing")
        quality[category] = _text(path, f"quality.{category}", quality_raw[category])
    ack = _ack(path, top["ack"])
    items = _items(path, top["items"])
    schema = _schema(path, top["schema"])
    profile = Profile(
        name=name,
        path=path,
        schema_version=_text(path, "schema_version", top["schema_version"]),
        confirmed=top["confirmed"],
        period_label=label,
        time_format=time_format,
        max_items=max_items,
        envelope=envelope,
        item_fields=item_fields,
        extra=extra,
        quality=quality,
        ack=ack,
        items=items,
        schema=schema,
    )
    _self_check(profile)
    return profile


def _ack(path: Path, value: Any) -> dict[str, Any]:
    raw = _mapping(path, "ack", value, _ACK_KEYS)
    echo = raw.get("echo_field")
    status = raw.get("status_field")
    if echo is None and status is None:
        raise _fail(path, "ack", "echo_field or status_field is required")
    out: dict[str, Any] = {"echo_field": None, "status_field": None}
    out |= {"ok_values": [], "refused_values": []}
    if echo is not None:
        out["echo_field"] = _text(path, "ack.echo_field", echo, pattern=_FIELD)
    if status is not None:
        out["status_field"] = _text(path, "ack.status_field", status, pattern=_FIELD)
        values = raw.get("ok_values")
        if not isinstance(values, list) or not values:
            raise _fail(path, "ack.ok_values", "a non-empty list of strings")
        out["ok_values"] = [_text(path, "ack.ok_values", v) for v in values]
    refused = raw.get("refused_values")
    if refused is not None:
        if status is None:
            raise _fail(path, "ack.refused_values", "needs ack.status_field")
        if not isinstance(refused, list) or not refused:
            raise _fail(path, "ack.refused_values", "a non-empty list of strings")
        out["refused_values"] = [_text(path, "ack.refused_values", v) for v in refused]
        both = sorted(set(out["refused_values"]) & set(out["ok_values"]))
        if both:
            raise _fail(path, "ack.refused_values", f"{both[0]!r} is also in ack.ok_values")
    return out


def _items(path: Path, value: Any) -> dict[tuple[str, str], ItemCode]:
    known = _data.varieties()
    raw = _mapping(path, "items", value, known)
    if not raw:
        raise _fail(path, "items", "at least one energy variety")
    out: dict[tuple[str, str], ItemCode] = {}
    seen: dict[str, str] = {}
    for variety, kinds in raw.items():
        for kind, item in _mapping(path, f"items.{variety}", kinds, KINDS).items():
            key = f"items.{variety}.{kind}"
            row = _mapping(path, key, item, _ITEM_KEYS)
            if "code" not in row:
                raise _fail(path, f"{key}.code", "missing")
            if "unit" not in row:
                raise _fail(path, f"{key}.unit", "missing")
            code = _text(path, f"{key}.code", row["code"])
            _check_template(path, f"{key}.code", code)
            if code in seen and "{point}" not in code:
                raise _fail(path, f"{key}.code", f"{code!r} is also the code of {seen[code]}")
            seen[code] = key
            unit = _text(path, f"{key}.unit", row["unit"])
            if _data.unit_factor(variety, unit) is None:
                accepted = ", ".join(_data.units_of(variety))
                raise _fail(
                    path, f"{key}.unit", f"{unit!r} is not a unit of {variety} ({accepted})"
                )
            decimals = row.get("decimals", 3)
            if type(decimals) is not int or not 0 <= decimals <= 9:
                raise _fail(path, f"{key}.decimals", "an integer from 0 to 9")
            out[(variety, kind)] = ItemCode(code, unit, decimals)
    return out


def _check_template(path: Path, key: str, code: str) -> None:
    """A code is a plain string or a template with CODE_FIELDS placeholders only."""
    try:
        parts = list(string.Formatter().parse(code))
    except ValueError as exc:
        raise _fail(path, key, f"{code!r}: {exc} (write a literal brace as {{{{ or }}}})") from None
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in CODE_FIELDS or spec or conversion:
            raise _fail(
                path,
                key,
                f"{code!r}: placeholder {{{name}}} is not one of "
                + ", ".join(f"{{{f}}}" for f in CODE_FIELDS),
            )


def _schema(path: Path, value: Any) -> dict[str, Any]:
    name = _text(path, "schema", value)
    schema_path = path.parent / name
    if Path(name).name != name or not schema_path.is_file():
        raise _fail(path, "schema", f"{name!r}: no such file next to the profile")
    try:
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise _fail(path, "schema", f"{name}: not a JSON file ({exc})") from None
    if not isinstance(schema, dict):
        raise _fail(path, "schema", f"{name}: not a JSON Schema object")
    return schema


def _self_check(profile: Profile) -> None:
    """Build one message with every item of the profile and check it against its schema, so
    a profile whose field names and schema disagree is refused when loaded, not when sent."""
    # Imported here, not at the top: export.py imports this module for Profile and the
    # constants, and building a message is export.py's job, so a top-level import would be a
    # cycle. When a profile is parsed this module is fully loaded, so export.py can load.
    from jiliang.energy.export import CST, Figure, _document

    start = dt.datetime(2026, 1, 1, tzinfo=CST)
    figures = [
        Figure(f"P{i}", variety, kind, start, 1.0, item.unit, QUALITIES[i % len(QUALITIES)])
        for i, ((variety, kind), item) in enumerate(sorted(profile.items.items()))
    ]
    document = _document(profile, "SELF-CHECK", figures, profile.extra)
    errors = schema_errors(document, profile.schema)
    if errors:
        raise ExportError(
            f"{profile.path.name}: schema: a message of this profile does not satisfy "
            f"{profile.path.parent.name}/{profile.schema.get('$id', 'its schema')}: {errors[0]}"
        )
