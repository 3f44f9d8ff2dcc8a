"""Legally relevant parameters of a taximeter and their canonical hash.

The parameter set is the tariff (start fare and the distance it covers, distance per fare
step, price per km, waiting price per minute, night surcharge, cross-over speed) and the
distance constant k (pulses per km), i.e. the quantities OIML R 21 / MID MI-007 treat as
legally relevant and WELMEC 7.2 requires to be protected by sealing. Decimals are fixed to
two places and carried as strings so that the hash is the same on every platform.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from jiliang.taximeter._errors import ParameterError
from jiliang.trust import canonical_json

__all__ = ["PARAMETER_NAMES", "TariffParameters"]

_DECIMAL_RE = re.compile(r"^(0|[1-9][0-9]{0,8})(\.[0-9]{1,2})?$")
_CENT = Decimal("0.01")


def _decimal(value: Any, name: str) -> Decimal:
    if isinstance(value, Decimal):
        text = str(value)
    elif isinstance(value, str):
        text = value
    elif isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    else:
        raise ParameterError(f"{name}: {value!r} must be a decimal string such as '2.30'")
    if not _DECIMAL_RE.match(text):
        raise ParameterError(
            f"{name}: {text!r} must be a non-negative decimal with at most 2 decimal places"
        )
    return Decimal(text).quantize(_CENT)


def _integer(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ParameterError(f"{name}: {value!r} must be an integer")
    if value <= 0 or value > 10**9:
        raise ParameterError(f"{name}: {value} must be a positive integer up to 10**9")
    return value


@dataclass(frozen=True)
class TariffParameters:
    """The legally relevant parameters. Money in yuan (CNY), distances in metres."""

    start_fare: Decimal
    start_distance_m: int
    fare_step_distance_m: int
    price_per_km: Decimal
    waiting_price_per_min: Decimal
    night_surcharge_percent: Decimal
    crossover_speed_kmh: Decimal
    k_pulses_per_km: int

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.type in ("Decimal", Decimal):
                object.__setattr__(self, f.name, _decimal(value, f.name))
            else:
                _integer(value, f.name)
        if self.night_surcharge_percent > 100:
            raise ParameterError(
                f"night_surcharge_percent: {self.night_surcharge_percent} exceeds 100"
            )

    def to_json_value(self) -> dict[str, str | int]:
        """Canonical JSON form: decimals as strings with two places, integers as integers."""
        out: dict[str, str | int] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = f"{value:.2f}" if isinstance(value, Decimal) else int(value)
        return out

    def canonical_bytes(self) -> bytes:
        """RFC 8785 canonical JSON of the parameters (the bytes that are hashed)."""
        return canonical_json(self.to_json_value())

    def parameter_hash(self) -> str:
        """SHA-256 of the canonical bytes, hex: what the meter reports and the regulator expects."""
        return hashlib.sha256(self.canonical_bytes()).hexdigest()

    @classmethod
    def from_json_value(cls, value: Any, where: str = "parameters") -> TariffParameters:
        """Build from a JSON object, naming the missing, unknown or bad field."""
        if not isinstance(value, Mapping):
            raise ParameterError(f"{where} must be a JSON object")
        names = [f.name for f in fields(cls)]
        missing = [n for n in names if n not in value]
        unknown = sorted(set(value) - set(names))
        if missing:
            raise ParameterError(f"{where}: missing {', '.join(missing)}")
        if unknown:
            raise ParameterError(f"{where}: unknown parameter(s) {', '.join(unknown)}")
        try:
            return cls(**{n: value[n] for n in names})
        except ParameterError as exc:
            raise ParameterError(f"{where}.{exc}") from None


PARAMETER_NAMES: tuple[str, ...] = tuple(f.name for f in fields(TariffParameters))
"""Names of the legally relevant parameters, in declaration order."""
