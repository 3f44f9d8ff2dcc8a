"""Approximate coordinates of a division code (data/cloud/places.yaml), for distance ranking."""

from __future__ import annotations

import functools
from importlib import resources

import yaml

from jiliang.capability import Location


@functools.cache
def _places() -> dict[str, tuple[float, float]]:
    text = resources.files("jiliang.data.cloud").joinpath("places.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    return {str(code): (float(lat), float(lon)) for code, (lat, lon) in data["places"].items()}


def location(division_code: str) -> Location:
    """The division's own centre, else its city's, else its province's; else no coordinates."""
    places = _places()
    code = (division_code or "").strip()
    for candidate in (code, code[:4] + "00", code[:2] + "0000"):
        if candidate in places:
            lat, lon = places[candidate]
            return Location(division=code, lat=lat, lon=lon)
    return Location(division=code)
