"""Typed errors of the meter-side library."""

from __future__ import annotations

__all__ = ["PackageError", "ParameterError", "ReadoutRefused", "TaximeterError"]


class TaximeterError(ValueError):
    """Base class: bad input; the meter state is unchanged."""


class ParameterError(TaximeterError):
    """A legally relevant parameter is missing, unknown or out of its format."""


class PackageError(TaximeterError):
    """A tariff package is malformed (its JSON, scope, version or effective time)."""


class ReadoutRefused(TaximeterError):
    """An event-log read-out was not authorised (bad signature, wrong meter, replay)."""
