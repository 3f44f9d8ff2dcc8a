"""Access matrix over every page: a user never sees another institution's instruments or
certificates — not on lists, not on details (404), not on trace pages, change logs or exports.

The expected slices follow issue #2 §4 applied to the shared world of tests/conftest.py:
a laboratory sees its own records and its customers' instruments and the certificates it
issued; an enterprise sees its own; a regulator sees its region (GB/T 2260 prefix); the
public sees the public registers only.
"""

from __future__ import annotations

import csv
import io
from typing import Any

INSTRUMENTS = {
    "nim_lab": {"E2-1KG-01"},
    "sd_lab": {"E2-1KG-01", "F1-1KG-01"},
    "zibo_lab": {"F1-1KG-01", "SCALE-0001"},
    "market": {"SCALE-0001"},
    "taxi": {"TAXI-0001"},
    "reg_zibo": {"F1-1KG-01", "SCALE-0001"},
    "reg_bj": {"TAXI-0001"},
    "admin": {"E2-1KG-01", "F1-1KG-01", "SCALE-0001", "TAXI-0001"},
}
CERTIFICATES = {
    "nim_lab": {"NIM-2025-0001"},
    "sd_lab": {"NIM-2025-0001", "SD-2025-0001"},
    "zibo_lab": {"SD-2025-0001", "ZB-2025-0001"},
    "market": {"ZB-2025-0001"},
    "taxi": set(),
    "reg_zibo": {"SD-2025-0001", "ZB-2025-0001"},
    "reg_bj": set(),
    "admin": {"NIM-2025-0001", "SD-2025-0001", "ZB-2025-0001"},
}
ROLES = list(INSTRUMENTS)
ALL_SERIALS = INSTRUMENTS["admin"]
ALL_NUMBERS = CERTIFICATES["admin"]


def shown(content: bytes, candidates: set[str]) -> set[str]:
    text = content.decode()
    return {c for c in candidates if c in text}


def instruments_of(world: Any) -> list[Any]:
    return [world.e2_weight, world.f1_weight, world.scale, world.taxi_meter]


def certificates_of(world: Any) -> list[Any]:
    return [world.cert_e2, world.cert_f1, world.cert_scale]


def test_instrument_pages(world, client_as) -> None:
    for role in ROLES:
        check_instrument_pages(world, client_as(role), role)


def check_instrument_pages(world: Any, client: Any, role: str) -> None:
    listing = client.get("/instruments/")
    assert listing.status_code == 200
    assert shown(listing.content, ALL_SERIALS) == INSTRUMENTS[role], role
    for instrument in instruments_of(world):
        expected = 200 if instrument.serial_number in INSTRUMENTS[role] else 404
        for path in (
            f"/instruments/{instrument.pk}/",
            f"/instruments/{instrument.pk}/trace-up/",
            f"/changes/registry.instrument/{instrument.pk}/",
        ):
            assert client.get(path).status_code == expected, (role, path)


def test_certificate_pages(world, client_as) -> None:
    for role in ROLES:
        check_certificate_pages(world, client_as(role), role)


def check_certificate_pages(world: Any, client: Any, role: str) -> None:
    listing = client.get("/certificates/")
    assert listing.status_code == 200
    assert shown(listing.content, ALL_NUMBERS) == CERTIFICATES[role], role
    for cert in certificates_of(world):
        expected = 200 if cert.number in CERTIFICATES[role] else 404
        assert client.get(f"/certificates/{cert.pk}/").status_code == expected, role
        assert client.get(f"/changes/registry.certificate/{cert.pk}/").status_code == expected


def test_trace_down_lists_only_visible_dependants(world, client_as) -> None:
    for role in ROLES:
        page = client_as(role).get(f"/standards/{world.primary.pk}/trace-down/")
        assert page.status_code == 200
        assert shown(page.content, ALL_NUMBERS) == CERTIFICATES[role], role
        assert page.context["certificate_count"] == len(CERTIFICATES[role])


def test_impact_page_and_exports_are_scoped(world, client_as) -> None:
    for role in ROLES:
        check_impact(world, client_as(role), role)


def check_impact(world: Any, client: Any, role: str) -> None:
    # E2 found nonconforming on 2026-01-10: everything made with it (or with the F1 weights
    # traced to it) since its last good calibration — SD-2025-0001 and ZB-2025-0001.
    expected = CERTIFICATES[role] & {"SD-2025-0001", "ZB-2025-0001"}
    url = f"/standards/{world.e2.pk}/impact/?on=2026-01-10"
    page = client.get(url)
    assert page.status_code == 200
    assert {r.certificate for r in page.context["rows"]} == expected, role
    exported = client.get(url + "&format=csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert {r[0] for r in rows[1:]} == expected


def test_due_list_and_its_exports_are_scoped(world, client_as) -> None:
    for role in ROLES:
        check_due(client_as(role), role)


def check_due(client: Any, role: str) -> None:
    page = client.get("/due/")
    assert page.status_code == 200
    listed = {e.serial_number for e in page.context["page"].object_list}
    assert listed <= INSTRUMENTS[role], role
    exported = client.get("/due/?format=csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert {r[1] for r in rows[1:]} == listed


def test_home_counts_are_scoped(world, client_as) -> None:
    for role in ROLES:
        counts = client_as(role).get("/").context["counts"]
        assert counts["instruments"] == len(INSTRUMENTS[role]), role
        assert counts["certificates"] == len(CERTIFICATES[role]), role


def test_anonymous_sees_public_registers_only(world, client_as) -> None:
    client = client_as(None)
    for path in (
        "/",
        "/institutions/",
        f"/institutions/{world.market.pk}/",
        "/standards/",
        f"/standards/{world.f1.pk}/",
        "/materials/",
        "/catalogue/",
        "/schemes/",
    ):
        assert client.get(path).status_code == 200, path
    standard = client.get(f"/standards/{world.f1.pk}/")
    assert b"F1-1KG-01" not in standard.content  # the equipment is not a public register
    home = client.get("/")
    assert home.context["counts"]["instruments"] == 0 and "due" not in home.context
    for path in (
        "/instruments/",
        f"/instruments/{world.scale.pk}/",
        f"/instruments/{world.scale.pk}/trace-up/",
        "/certificates/",
        f"/certificates/{world.cert_scale.pk}/",
        "/people/",
        "/due/",
        f"/standards/{world.primary.pk}/trace-down/",
        f"/standards/{world.e2.pk}/impact/",
        f"/changes/registry.standard/{world.e2.pk}/",
        "/account/tokens/",
    ):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/login/?next=")


def test_people_are_visible_to_their_institution_only(world, client_as) -> None:
    city_person = world.people["city"]
    nim_person = world.people["nim"]
    zibo = client_as("zibo_lab")
    assert shown(zibo.get("/people/").content, {"city metrologist", "nim metrologist"}) == {
        "city metrologist"
    }
    assert zibo.get(f"/people/{city_person.pk}/").status_code == 200
    assert zibo.get(f"/people/{nim_person.pk}/").status_code == 404
    assert client_as("market").get(f"/people/{city_person.pk}/").status_code == 404


def test_standard_equipment_is_shown_only_to_who_may_see_it(world, client_as) -> None:
    assert b"F1-1KG-01" in client_as("zibo_lab").get(f"/standards/{world.f1.pk}/").content
    assert b"F1-1KG-01" not in client_as("taxi").get(f"/standards/{world.f1.pk}/").content


def test_trace_up_links_only_what_the_user_may_open(world, client_as) -> None:
    """The chain itself is shown in full (it is the proof of traceability), but the market
    gets no link to the laboratories' equipment or their certificates."""
    page = client_as("market").get(f"/instruments/{world.scale.pk}/trace-up/")
    text = page.content.decode()
    assert "NIM-2025-0001" in text and "GJJ(力)0101" in text
    assert f'href="/certificates/{world.cert_e2.pk}/"' not in text
    assert f'href="/instruments/{world.e2_weight.pk}/"' not in text
    assert f'href="/certificates/{world.cert_scale.pk}/"' in text
