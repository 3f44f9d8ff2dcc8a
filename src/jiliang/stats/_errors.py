"""Typed errors of jiliang.stats: bad input says where and why, and nothing changes."""

from __future__ import annotations


class StatsInputError(ValueError):
    """Input that a statistical method cannot use.

    Carries where the problem is (``source`` file or argument, ``row``, ``field``) and
    ``reason``, so that a CLI or a web form can point at the offending cell.
    """

    def __init__(
        self,
        reason: str,
        *,
        source: str | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.reason = reason
        self.source = source
        self.row = row
        self.field = field
        parts = []
        if source is not None:
            parts.append(str(source))
        if row is not None:
            parts.append(f"row {row}")
        if field is not None:
            parts.append(f"field {field!r}")
        where = ", ".join(parts)
        super().__init__(f"{where}: {reason}" if where else reason)


class StatsDataError(RuntimeError):
    """A packaged data file of jiliang.stats is missing a key or has a bad value."""
