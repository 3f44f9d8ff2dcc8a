"""The number filters on registry pages: no e-notation, JJF 1059.1 rounding, SI prefixes."""

from __future__ import annotations

import re
from typing import Any

from django.template import Context, Template

NNBSP = "\u202f"


def _render(source: str, **context: Any) -> str:
    return Template("{% load numbers %}" + source).render(Context(context))


def test_filters() -> None:
    assert _render("{{ v|quantity:'Pa' }}", v=500000000.0) == "500 MPa"
    assert _render("{{ v|number }}", v=1.6e-05) == "0.000016"
    assert _render("{{ v|uncertainty:'kg' }}", v=0.0123456) == "0.013 kg"
    assert _render("{{ v|with_uncertainty:u }}", v=10.012345, u=0.0123456) == "10.012 ± 0.013"
    assert _render("{% measured v u 'g' %}", v=6.3, u=0.25) == "(6.30 ± 0.25) g"
    assert _render("{{ v|relative_uncertainty }}", v=2e-06) == "2.0 × 10⁻⁶"
    # nothing, text and NaN are shown as they are
    assert _render("{{ v|quantity:'kg' }}", v=None) == "—"
    assert _render("{{ v|number }}", v="n/a") == "n/a"
    assert _render("{{ v|number }}", v=float("nan")) == "nan"


def test_standard_page_writes_its_numbers_as_people_do(client_as: Any, world: Any) -> None:
    # SD-E2-001: range 0.000001–20 kg, U = 0.0000016 kg (tests/conftest.py)
    html = client_as(None).get(f"/standards/{world.e2.pk}/").content.decode()
    assert "1 mg – 20 kg" in html  # 0.000001 kg = 0.001 g = 1 mg
    assert "U = 1.6 mg" in html  # 0.0000016 kg = 1.6 mg
    assert not re.search(r"\d[eE][-+]?\d", html.split("<main>", 1)[1])


def test_material_page(client_as: Any, world: Any) -> None:
    import datetime as dt

    from jiliang.registry.models import Quantity, ReferenceMaterial

    material = ReferenceMaterial.objects.create(
        gbw_number="GBW(E)060001",
        name="pH 标准物质",
        producer=world.nim,
        quantity=Quantity.objects.get(code="mass"),
        certified_value=10.012345,
        unit="g",
        expanded_uncertainty=0.0123456,
        expiry=dt.date(2030, 1, 1),
    )
    html = client_as(None).get(f"/materials/{material.pk}/").content.decode()
    assert "(10.012 ± 0.013) g" in html
    assert "U = 0.013 g, k = 2" in html
