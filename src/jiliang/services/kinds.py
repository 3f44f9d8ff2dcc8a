"""Kinds of application as data (data/services/kinds.yaml): loaded once, read-only."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from typing import Any

from jiliang import yamlsafe

STEPS = ("submit", "correct", "accept", "assign", "result", "decide")
ACTORS = ("applicant", "authority", "examiner")


@dataclass(frozen=True)
class Material:
    key: str
    name: str
    required: bool


@dataclass(frozen=True)
class Step:
    step: str
    actor: str
    stops_clock: bool


@dataclass(frozen=True)
class Kind:
    key: str
    name: str
    name_en: str
    source: str
    authority_level: str
    time_limit: int
    time_limit_confirmed: bool
    time_limit_note: str
    subject: str
    grants: str
    materials: tuple[Material, ...]
    steps: tuple[Step, ...]
    validity_years: int | None

    def has(self, step: str) -> bool:
        return any(s.step == step for s in self.steps)

    def stops_clock(self, step: str) -> bool:
        return any(s.step == step and s.stops_clock for s in self.steps)

    @property
    def required_materials(self) -> tuple[Material, ...]:
        return tuple(m for m in self.materials if m.required)


def _kind(row: dict[str, Any]) -> Kind:
    steps = tuple(
        Step(s["step"], s["actor"], bool(s.get("stops_clock", False))) for s in row["steps"]
    )
    for s in steps:
        if s.step not in STEPS or s.actor not in ACTORS:
            raise ValueError(f"kinds.yaml {row['key']}: unknown step or actor {s}")
    limit = row["time_limit"]
    return Kind(
        key=row["key"],
        name=row["name"],
        name_en=row["name_en"],
        source=row["source"],
        authority_level=row["authority_level"],
        time_limit=int(limit["working_days"]),
        time_limit_confirmed=bool(limit.get("confirmed", False)),
        time_limit_note=str(limit.get("note", "")),
        subject=row["subject"],
        grants=row["grants"],
        materials=tuple(
            Material(m["key"], m["name"], bool(m.get("required", False))) for m in row["materials"]
        ),
        steps=steps,
        validity_years=row.get("validity_years"),
    )


@functools.cache
def data() -> dict[str, Any]:
    text = resources.files("jiliang.data.services").joinpath("kinds.yaml").read_text("utf-8")
    loaded: dict[str, Any] = yamlsafe.load(text)
    return loaded


@functools.cache
def kinds() -> dict[str, Kind]:
    return {row["key"]: _kind(row) for row in data()["kinds"]}


def kind(key: str) -> Kind:
    return kinds()[key]


def booking_lead_days() -> int:
    return int(data()["booking_lead_days"]["days"])


# The kinds handled as applications (the filing has pages of its own: filing.py).
APPLICATION_KINDS = (
    "standard_exam_new",
    "standard_exam_renewal",
    "authorisation",
    "pattern_approval",
    "metrologist_registration",
    "metrologist_renewal",
)
