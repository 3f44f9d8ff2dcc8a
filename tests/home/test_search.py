"""Global search (/search/?q=): prefixes of indexed codes, scoped by visible_to(user)."""

from __future__ import annotations

from typing import Any

from jiliang.dashboards.search import LIMIT, clean_query, prefix, search


def _numbers(results: Any) -> dict[str, list[str]]:
    return {
        "certificates": [c.number for c in results.certificates],
        "instruments": [i.serial_number for i in results.instruments],
        "institutions": [i.name_zh for i in results.institutions],
        "standards": [s.code for s in results.standards],
    }


def test_the_owner_finds_its_certificate_and_instrument(world: Any) -> None:
    found = _numbers(search(world.users["market"], "ZB-2025"))
    assert found["certificates"] == ["ZB-2025-0001"]
    assert _numbers(search(world.users["market"], "SCALE"))["instruments"] == ["SCALE-0001"]


def test_another_owner_finds_nothing_of_it(world: Any) -> None:
    taxi = world.users["taxi"]
    assert _numbers(search(taxi, "ZB-2025"))["certificates"] == []
    assert _numbers(search(taxi, "SCALE"))["instruments"] == []
    assert _numbers(search(taxi, "TAXI"))["instruments"] == ["TAXI-0001"]


def test_anonymous_finds_public_registers_only(world: Any) -> None:
    anonymous = None
    found = _numbers(search(anonymous, "淄博"))
    # institutions are a public register: 淄博市计量技术研究院, 淄博某农贸市场, 淄博市市场监督管理局
    assert sorted(found["institutions"]) == sorted(
        ["淄博市计量技术研究院", "淄博某农贸市场", "淄博市市场监督管理局"]
    )
    assert _numbers(search(anonymous, "ZB-2025"))["certificates"] == []
    assert _numbers(search(anonymous, "SD-E2"))["standards"] == ["SD-E2-001"]


def test_institution_by_credit_code_prefix(world: Any) -> None:
    # the market's code starts 91370303 (tests/conftest.py); lower case is read as upper
    found = _numbers(search(world.users["market"], "91370303ma"))
    assert found["institutions"] == ["淄博某农贸市场"]


def test_prefix_is_a_range_and_the_prefix_itself() -> None:
    # 'ZB-' → ['ZB-', 'ZB.') : '-' is U+002D, the next character '.' is U+002E
    q = prefix("number", "ZB-")
    assert q.connector == "AND"
    assert sorted(q.children) == [
        ("number__gte", "ZB-"),
        ("number__lt", "ZB."),
        ("number__startswith", "ZB-"),
    ]


def test_bad_queries(client: Any, db: Any) -> None:
    assert clean_query("  ZB   2025 ") == ("ZB 2025", "")
    assert clean_query("x" * 61) == ("", "at most 60 characters")
    assert clean_query("a\x00b")[1] == "control characters are not allowed"
    response = client.get("/search/", {"q": "x" * 61})
    assert response.status_code == 400
    assert "at most 60 characters" in response.content.decode()
    assert client.get("/search/").status_code == 200


def test_results_are_bounded(world: Any) -> None:
    from jiliang.registry.models import Instrument

    Instrument.objects.bulk_create(
        Instrument(
            owner=world.market, name="秤", division_code="370303", serial_number=f"BULK-{n:03d}"
        )
        for n in range(LIMIT + 5)
    )
    found = search(world.users["market"], "BULK-")
    assert len(found.instruments) == LIMIT
    assert found.instruments[0].serial_number == "BULK-000"


def test_search_page(client_as: Any) -> None:
    html = client_as("market").get("/search/", {"q": "ZB-2025"}).content.decode()
    assert 'id="search-certificates"' in html and "ZB-2025-0001" in html
    empty = client_as("taxi").get("/search/", {"q": "ZB-2025"}).content.decode()
    assert 'id="search-empty"' in empty
