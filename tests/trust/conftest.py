"""Shared paths for the trust tests: the read-only reference data next to the repo."""

from __future__ import annotations

from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
RFC9162 = SHARED / "testdata" / "rfc9162"
ED25519_DIR = SHARED / "testdata" / "ed25519"
