"""A region is every division code under its prefix, on both backends (querysets.in_region)."""

from __future__ import annotations

from typing import Any

import pytest

from jiliang.registry.models import Instrument
from jiliang.registry.querysets import in_region

CODES = ["370000", "370303", "370999", "379999", "380000", "371000", "360399", "990101", "999999"]


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("37", {"370000", "370303", "370999", "379999", "371000"}),
        ("3709", {"370999"}),  # the next prefix is 3710, not 37010
        ("3703", {"370303"}),
        ("370303", {"370303"}),
        ("99", {"990101", "999999"}),  # no next prefix of two digits
        ("9999", {"999999"}),
        ("36", {"360399"}),
        ("12", set()),
    ],
)
def test_region_holds_exactly_the_codes_under_its_prefix(
    world: Any, prefix: str, expected: set[str]
) -> None:
    for index, code in enumerate(CODES):
        Instrument.objects.create(
            owner=world.market, name="秤", serial_number=f"REGION-{index}", division_code=code
        )
    mine = Instrument.objects.filter(serial_number__startswith="REGION-")
    assert (
        set(mine.filter(in_region("division_code", prefix)).values_list("division_code", flat=True))
        == expected
    )
