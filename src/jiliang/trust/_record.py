"""Logged records: a typed, versioned envelope whose canonical JSON is the leaf data.

Leaf data = canonical_json({"body": ..., "record_type": ..., "schema_version": ...}), so a
third party who holds the record (in any JSON layout) recomputes the leaf hash as
SHA-256(0x00 || those bytes) without access to jiliang. See docs/trust.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from jiliang.trust._errors import RecordError
from jiliang.trust._jcs import canonical_json, parse_json_strict
from jiliang.trust._merkle import leaf_hash

__all__ = ["LogRecord"]

_TYPE_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
_FIELDS = frozenset({"body", "record_type", "schema_version"})
_VALID_TYPES: set[str] = set()
"""record_type values already matched by _TYPE_RE (a handful; bounded)."""


@dataclass(frozen=True)
class LogRecord:
    """One entry of the transparency log.

    record_type: dotted lower-case name, e.g. "certificate.issued", "taximeter.tariff_package".
    schema_version: positive integer, bumped when the body layout of that type changes.
    body: JSON object of the restricted subset (strings, safe integers, bools, null, lists).
    """

    record_type: str
    schema_version: int
    body: Mapping[str, Any]

    def __post_init__(self) -> None:
        record_type = self.record_type
        if type(record_type) is not str or record_type not in _VALID_TYPES:
            if not isinstance(record_type, str) or not _TYPE_RE.match(record_type):
                raise RecordError(
                    f"record_type {record_type!r} must be dotted lower-case words, "
                    "e.g. 'certificate.issued'"
                )
            if type(record_type) is str and len(_VALID_TYPES) < 1000:
                _VALID_TYPES.add(record_type)
        version = self.schema_version
        if type(version) is not int and (isinstance(version, bool) or not isinstance(version, int)):
            raise RecordError(f"schema_version {version!r} must be an integer >= 1")
        if version < 1:
            raise RecordError(f"schema_version {version!r} must be an integer >= 1")
        if type(self.body) is not dict and not isinstance(self.body, Mapping):
            raise RecordError(f"body must be a JSON object, got {type(self.body).__name__}")
        body = dict(self.body)
        # Serialise once: validates the subset now (not at hashing time) and caches the bytes.
        # The envelope of to_json_value(), built from the private copy (no second copy).
        envelope = {"body": body, "record_type": record_type, "schema_version": version}
        fields = self.__dict__  # frozen: set once here, as object.__setattr__ would
        fields["body"] = MappingProxyType(body)
        fields["_canonical"] = canonical_json(envelope)

    def to_json_value(self) -> dict[str, Any]:
        """The envelope as a plain dict."""
        return {
            "body": dict(self.body),
            "record_type": self.record_type,
            "schema_version": self.schema_version,
        }

    def canonical_bytes(self) -> bytes:
        """The leaf data: canonical JSON of the envelope."""
        canonical: bytes = self.__dict__["_canonical"]
        return canonical

    def leaf_hash(self) -> bytes:
        """SHA-256(0x00 || canonical bytes): the value the Merkle tree commits to."""
        return leaf_hash(self.canonical_bytes())

    @classmethod
    def from_json_value(cls, value: Any) -> LogRecord:
        """Build from a parsed JSON object, refusing missing or extra envelope fields."""
        if not isinstance(value, Mapping):
            raise RecordError(f"a record must be a JSON object, got {type(value).__name__}")
        keys = set(value)
        missing = sorted(_FIELDS - keys)
        extra = sorted(keys - _FIELDS)
        if missing:
            raise RecordError(f"record lacks field(s) {', '.join(missing)}")
        if extra:
            raise RecordError(f"record has unknown field(s) {', '.join(extra)}")
        return cls(value["record_type"], value["schema_version"], value["body"])

    @classmethod
    def from_json(cls, text: str | bytes) -> LogRecord:
        """Parse a record from JSON text in any layout (whitespace and key order are free)."""
        return cls.from_json_value(parse_json_strict(text))
