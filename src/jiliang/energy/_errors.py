"""Errors of the energy core: each names the file, row or field and the reason."""

from __future__ import annotations


class EnergyError(Exception):
    """Base of every refusal by the energy core."""


class StoreError(EnergyError):
    """A batch or a table that the readings store refuses (row and field named)."""


class SiteError(EnergyError):
    """A SITE description (YAML) that is not valid; the message starts with the field path."""


class ReadingsError(EnergyError):
    """A readings file (CSV/Parquet) that is not valid; the message names the row and field."""


class DataError(EnergyError):
    """A data file of the energy core (coefficients, factors, rules) that is missing a key."""
