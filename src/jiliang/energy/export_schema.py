"""The JSON Schema check of export messages (docs/energy-export.md): by the ``jsonschema``
package when it is installed, else by a built-in check of the subset the shipped envelope
schemas use, so the exporter needs no extra dependency. A schema with a keyword outside the
subset is reported, never passed silently."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any


def schema_errors(document: Any, schema: Mapping[str, Any]) -> list[str]:
    """Errors of ``document`` against ``schema``: by the ``jsonschema`` package when it is
    installed, else by the built-in check of the subset the shipped schemas use."""
    try:
        import jsonschema  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        return structural_errors(document, schema)
    validator = jsonschema.Draft202012Validator(schema)
    return [
        f"/{'/'.join(str(p) for p in e.absolute_path)}: {e.message}"
        for e in validator.iter_errors(document)
    ]


_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}
SUPPORTED_KEYWORDS = frozenset(
    {
        "$schema", "$id", "title", "description", "type", "required", "properties",
        "additionalProperties", "items", "enum", "const", "pattern", "minLength", "maxLength",
        "minItems", "maxItems", "minimum", "maximum",
    }
)  # fmt: skip


def _is(value: Any, kind: str) -> bool:
    if kind in ("integer", "number") and isinstance(value, bool):
        return False
    if kind == "integer" and isinstance(value, float):
        return value.is_integer()
    return isinstance(value, _TYPES[kind])


def structural_errors(value: Any, schema: Mapping[str, Any], where: str = "") -> list[str]:
    """The JSON Schema (2020-12) subset of SUPPORTED_KEYWORDS, checked without a library."""
    unknown = set(schema) - SUPPORTED_KEYWORDS
    if unknown:
        return [f"{where or '/'}: schema keyword(s) not supported here: {sorted(unknown)}"]
    at = where or "/"
    kinds = schema.get("type")
    if kinds is not None:
        wanted = [kinds] if isinstance(kinds, str) else list(kinds)
        if not any(_is(value, k) for k in wanted):
            return [f"{at}: {json.dumps(value, ensure_ascii=False)[:60]} is not of type {kinds}"]
    errors: list[str] = []
    if "const" in schema and value != schema["const"]:
        errors.append(f"{at}: {schema['const']!r} was expected")
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{at}: {value!r} is not one of {schema['enum']}")
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(f"{at}: {value!r} does not match {schema['pattern']!r}")
        if len(value) < schema.get("minLength", 0):
            errors.append(f"{at}: {value!r} is too short")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            errors.append(f"{at}: {value!r} is too long")
    if _is(value, "number"):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(f"{at}: {value} is less than the minimum of {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            errors.append(f"{at}: {value} is greater than the maximum of {schema['maximum']}")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            errors.append(f"{at}: {len(value)} items, fewer than {schema['minItems']}")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            errors.append(f"{at}: {len(value)} items, more than {schema['maxItems']}")
        if isinstance(schema.get("items"), dict):
            for index, element in enumerate(value):
                errors += structural_errors(element, schema["items"], f"{where}/{index}")
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                errors.append(f"{at}: {key!r} is a required property")
        properties = schema.get("properties", {})
        for key, element in value.items():
            if key in properties:
                errors += structural_errors(element, properties[key], f"{where}/{key}")
            elif schema.get("additionalProperties") is False:
                errors.append(f"{at}: additional property {key!r} is not allowed")
    return errors
