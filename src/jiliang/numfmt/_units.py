"""SI prefixes chosen exactly, in decimal: 500000000 Pa → 500 MPa, 0.0000016 kg → 1.6 mg.

Why not pint's `to_compact`: it multiplies floats, so 1.6e-06 kg becomes
1.5999999999999999 mg; shifting a decimal's exponent is exact. Only units that take SI
prefixes are changed; anything else (%, °C, r/min, kWh…) keeps its unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

# SI brochure (9th ed., 2019) Table 7, the powers of 1000 from pico to tera; 'μ' is U+03BC.
PREFIXES: dict[str, int] = {
    "p": -12,
    "n": -9,
    "μ": -6,
    "m": -3,
    "": 0,
    "k": 3,
    "M": 6,
    "G": 9,
    "T": 12,
}
_ALIASES = {"u": "μ", "µ": "μ"}  # ASCII u and the micro sign U+00B5 read as μ
_READ_ONLY = {"c": -2, "d": -1}  # cm, dm, dL are read but never chosen
# Units written with SI prefixes (SI brochure Tables 2 and 4, and the litre and tonne's kin).
PREFIXABLE = frozenset(
    {
        "m", "g", "s", "A", "K", "mol", "cd", "Hz", "N", "Pa", "J", "W", "C", "V", "F",
        "Ω", "ohm", "S", "Wb", "T", "H", "lx", "lm", "Bq", "Gy", "Sv", "kat", "L", "l", "eV",
    }
)  # fmt: skip
# Where a value is written without a prefix: 0.001 ≤ |x| < 1 000 000 (15 kg, 0.04 kg, 2500 N)
PLAIN_LOW = Decimal("0.001")
PLAIN_HIGH = Decimal(1_000_000)


@dataclass(frozen=True)
class PrefixedUnit:
    """A unit split into an SI prefix (its power of ten) and the unit it prefixes."""

    prefix: str
    power: int
    base: str

    @property
    def symbol(self) -> str:
        return f"{self.prefix}{self.base}"


def split_prefix(unit: str) -> PrefixedUnit | None:
    """'kg' → (k, 3, g); 'Pa' → ('', 0, Pa); 'mm' → (m, -3, m); '%' → None (no prefixes)."""
    unit = unit.strip()
    if unit in PREFIXABLE:
        return PrefixedUnit("", 0, unit)
    head, base = unit[:1], unit[1:]
    head = _ALIASES.get(head, head)
    if base in PREFIXABLE:
        if head in PREFIXES:
            return PrefixedUnit(head, PREFIXES[head], base)
        if head in _READ_ONLY:
            return PrefixedUnit(head, _READ_ONLY[head], base)
    return None


def choose_prefix(value: Decimal, unit: str) -> tuple[Decimal, str]:
    """The value and unit a person would write; exact (the exponent is shifted)."""
    split = split_prefix(unit)
    magnitude = abs(value)
    if split is None or magnitude == 0 or PLAIN_LOW <= magnitude < PLAIN_HIGH:
        return value, unit
    power = split.power + magnitude.adjusted()  # power of ten of the leading digit, in base
    target = 3 * (power // 3)
    target = max(min(target, 12), -12)
    prefix = next(p for p, exp in PREFIXES.items() if exp == target)
    return value.scaleb(split.power - target), f"{prefix}{split.base}"
