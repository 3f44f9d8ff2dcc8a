"""The DCC 3.3.0 XSD (with D-SI 2.2.1 and XML-DSig), loaded once, from a local folder only."""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from xml.etree.ElementTree import Element

import xmlschema

from jiliang.dcc._errors import DccError, Issue

DCC_NS = "https://ptb.de/dcc"
SI_NS = "https://ptb.de/si"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
_PREFIXES = {DCC_NS: "dcc", SI_NS: "si", DS_NS: "ds"}
_CLARK = re.compile(r"\{([^}]*)\}")
SCHEMA_ENV = "JILIANG_DCC_SCHEMA_DIR"


def default_schema_dir() -> Path:
    """$JILIANG_DCC_SCHEMA_DIR, else the checkout's sibling ``shared/schemas/dcc``.

    The schema files are LGPL data kept outside the package; a deployment points the
    environment variable at its copy.
    """
    configured = os.environ.get(SCHEMA_ENV)
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[3].parent / "shared" / "schemas" / "dcc"


@functools.lru_cache(maxsize=4)
def _load(folder: str) -> xmlschema.XMLSchema:
    path = Path(folder) / "dcc.xsd"
    if not path.is_file():
        raise DccError(
            f"DCC schema not found at {path}; set {SCHEMA_ENV} to the folder holding dcc.xsd"
        )
    # allow="local": imports are resolved inside the folder, never from the network.
    return xmlschema.XMLSchema(str(path), allow="local")


def dcc_schema(schema_dir: str | Path | None = None) -> xmlschema.XMLSchema:
    """The compiled DCC schema (cached per folder)."""
    folder = Path(schema_dir) if schema_dir is not None else default_schema_dir()
    return _load(str(folder.resolve()))


def readable_path(path: str | None) -> str:
    """Clark-notation XPath from xmlschema, with dcc:/si:/ds: prefixes."""
    if not path:
        return "/"
    return _CLARK.sub(lambda m: _PREFIXES.get(m.group(1), m.group(1)) + ":", path)


def schema_issues(root: Element, schema_dir: str | Path | None = None) -> tuple[Issue, ...]:
    """Every XSD violation of a parsed document, as (path, reason)."""
    schema = dcc_schema(schema_dir)
    issues = []
    for error in schema.iter_errors(root, use_location_hints=False):
        reason = error.reason or error.message
        issues.append(Issue(readable_path(error.path), readable_path(reason)))
    return tuple(issues)
