"""The market app's rule data (data/supervision/*.yaml), read through the pure core."""

from __future__ import annotations

from typing import Any

from jiliang.supervision import data_file


def legal_bases() -> list[dict[str, Any]]:
    """Articles a case may cite, each with its measure's title and edition."""
    data = data_file("legal_basis.yaml")
    measures = data["measures"]
    return [
        {
            **a,
            "measure_title": measures[a["measure"]]["title"],
            "measure_edition": measures[a["measure"]]["edition"],
        }
        for a in data["articles"]
    ]


def legal_basis(code: str) -> dict[str, Any] | None:
    return next((b for b in legal_bases() if b["code"] == code), None)


def checklist(kind: str) -> list[dict[str, str]]:
    """The checklist of a premises kind (a copy is stored on the campaign)."""
    lists = data_file("checklists.yaml")["checklists"]
    return [dict(item) for item in lists.get(kind, lists["other"])]


def honest() -> dict[str, Any]:
    return data_file("honest.yaml")
