"""The random draw of 双随机 (premises and inspectors), re-runnable by anyone.

Algorithm ``sha256-rank/1``: every candidate key k (a stable identifier: a premises code or
a user name) gets the rank SHA-256(seed ‖ 0x1f ‖ label ‖ 0x1f ‖ k) as 64 hex digits; the
candidates are sorted by (rank, key) and the first `count` are drawn. The result depends on
the seed, the label and the set of keys only — not on the order in which the register lists
them or the machine — so publishing the seed and the register lets anyone recompute it:

    sorted(keys, key=lambda k: (hashlib.sha256(f"{seed}\\x1f{label}\\x1f{k}".encode()).hexdigest(), k))[:count]
"""

from __future__ import annotations

import hashlib
import heapq
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from jiliang.supervision._errors import SupervisionInputError

ALGORITHM = "sha256-rank/1"
MAX_SEED = 200


@dataclass(frozen=True)
class Draw:
    """What was drawn, in draw order, with everything needed to recompute it."""

    seed: str
    label: str
    algorithm: str
    population: int
    selected: tuple[str, ...]


def rank(seed: str, label: str, key: str) -> str:
    """The hex rank of one candidate."""
    return hashlib.sha256(f"{seed}\x1f{label}\x1f{key}".encode()).hexdigest()


def new_seed() -> str:
    """A fresh public seed (128 random bits, hex)."""
    return secrets.token_hex(16)


def draw(seed: str, label: str, keys: Iterable[str], count: int) -> Draw:
    """Draw `count` of `keys` (all of them if fewer) for `label` ("premises", "inspectors")."""
    if not isinstance(seed, str) or not seed.strip():
        raise SupervisionInputError("seed", "a non-empty seed is needed")
    if len(seed) > MAX_SEED or any(ord(ch) < 32 for ch in seed):
        raise SupervisionInputError("seed", f"at most {MAX_SEED} printable characters")
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise SupervisionInputError("count", f"expected a whole number ≥ 0, got {count!r}")
    unique = set(keys)
    # heap selection of the count smallest (rank, key): the same as sorting everything and
    # taking the head, in O(N log count); the common prefix is hashed once and copied.
    base = hashlib.sha256(f"{seed}\x1f{label}\x1f".encode())

    def ranked(key: str) -> tuple[str, str]:
        h = base.copy()
        h.update(key.encode())
        return h.hexdigest(), key

    chosen = heapq.nsmallest(count, map(ranked, unique))
    return Draw(seed, label, ALGORITHM, len(unique), tuple(k for _, k in chosen))
