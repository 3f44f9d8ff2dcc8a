"""Risk screening of instruments and owners: a transparent sum of terms, each explained.

Why not a model: a regulator must be able to say why a premises was put on a list, so the
score is points per term with the rule and the input shown (data/supervision/risk.yaml).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jiliang.supervision._data import data_file


@dataclass(frozen=True)
class Term:
    """One term of a score: its name, the input it read, the points it gave, and why."""

    name: str
    value: float
    points: float
    rule: str


@dataclass(frozen=True)
class RiskScore:
    """A total and the terms it is the sum of."""

    total: float
    terms: tuple[Term, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": round(self.total, 3),
            "terms": [
                {"name": t.name, "value": t.value, "points": round(t.points, 3), "rule": t.rule}
                for t in self.terms
            ],
        }


def risk_rules() -> dict[str, Any]:
    """data/supervision/risk.yaml."""
    return data_file("risk.yaml")


def drift_rate(category: str) -> float:
    """Yearly drift or loss-of-sensitivity rate assumed for a catalogue category (data)."""
    rates = risk_rules()["drift"]["categories"]
    row = rates.get(category)
    return float(row["rate"]) if row else float(risk_rules()["drift"]["default"])


def score_instrument(
    *,
    days_overdue: int,
    never_verified: bool,
    failures: int,
    use_area: str,
    category: str,
    premises_density: int,
) -> RiskScore:
    """Score one instrument from its record (inputs are facts the registry computes)."""
    w = risk_rules()["weights"]
    terms: list[Term] = []
    overdue_points = min(days_overdue, int(w["overdue_cap_days"])) * float(w["overdue_per_day"])
    terms.append(
        Term(
            "overdue",
            float(days_overdue),
            overdue_points if days_overdue > 0 else 0.0,
            f"{w['overdue_per_day']} per day overdue, at most {w['overdue_cap_days']} days",
        )
    )
    terms.append(
        Term(
            "never_verified",
            1.0 if never_verified else 0.0,
            float(w["never_verified"]) if never_verified else 0.0,
            f"{w['never_verified']} if no passing certificate is on record",
        )
    )
    terms.append(
        Term(
            "failures",
            float(failures),
            failures * float(w["per_failure"]),
            f"{w['per_failure']} per failed verification or finding on record",
        )
    )
    area = float(w["use_area"].get(use_area, w["use_area"]["other"]))
    terms.append(Term("use_area", area, area, f"use area {use_area}: {area} (data)"))
    rate = drift_rate(category)
    terms.append(
        Term(
            "drift",
            rate,
            rate * float(w["per_drift"]),
            f"category {category}: yearly drift {rate:.0%} × {w['per_drift']}",
        )
    )
    density = min(premises_density, int(w["density_cap"])) * float(w["per_premises"])
    terms.append(
        Term(
            "density",
            float(premises_density),
            density,
            f"{w['per_premises']} per premises of the same kind in the district, "
            f"at most {w['density_cap']}",
        )
    )
    return RiskScore(sum(t.points for t in terms), tuple(terms))


def score_owner(instrument_scores: list[RiskScore]) -> RiskScore:
    """An owner's score: the highest instrument score plus a share of the rest (data)."""
    share = float(risk_rules()["weights"]["owner_rest_share"])
    totals = sorted((s.total for s in instrument_scores), reverse=True)
    if not totals:
        return RiskScore(0.0, ())
    top, rest = totals[0], sum(totals[1:])
    return RiskScore(
        top + share * rest,
        (
            Term("highest_instrument", top, top, "the highest instrument score"),
            Term(
                "other_instruments",
                rest,
                share * rest,
                f"{share} × the sum of the other {len(totals) - 1} instruments' scores",
            ),
        ),
    )
