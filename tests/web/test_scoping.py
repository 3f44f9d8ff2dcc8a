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

from jiliang.registry import traceability
from jiliang.registry.traceability import Tally

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
        assert page.context["certificate_count"] == Tally(len(CERTIFICATES[role]))


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


def _trace_down_view(world: Any, role: str) -> tuple[list[str], list[str], Tally, Tally]:
    down = traceability.trace_down(world.primary, world.users[role])
    numbers = list(down.certificates_newest_first().values_list("number", flat=True))
    serials = list(down.instruments_in_order().values_list("serial_number", flat=True))
    return (numbers, serials, *down.page_counts())


def test_large_scope_strategy_finds_the_same_dependants(world, monkeypatch) -> None:
    """A user who sees many rows gets each dependant checked against the scope as it is read
    (EXISTS) instead of `id IN (scope)`: the answers must not change, only the plan."""
    small = {role: _trace_down_view(world, role) for role in ROLES}
    monkeypatch.setattr(traceability, "LARGE_SCOPE", 1)  # every non-empty scope is "large"
    for role in ROLES:
        large = _trace_down_view(world, role)
        assert large == small[role], role
        assert set(large[0]) == CERTIFICATES[role]
        assert large[2] == Tally(len(CERTIFICATES[role]))


def test_restricted_counts_stop_at_the_cap(world, client_as, monkeypatch) -> None:
    down = traceability.trace_down(world.primary, world.users["zibo_lab"])
    assert down.page_counts(cap=1) == (Tally(1, more=True), Tally(1, more=True))
    assert down.page_counts(cap=2) == (Tally(2), Tally(2))
    admin = traceability.trace_down(world.primary, world.users["admin"])
    assert admin.page_counts(cap=1) == (Tally(3), Tally(3))  # exact: from the links' index
    assert str(Tally(10_000, more=True)) == "10,000+"
    monkeypatch.setattr(traceability, "COUNT_CAP", 1)
    page = client_as("zibo_lab").get(f"/standards/{world.primary.pk}/trace-down/")
    assert page.context["certificate_count"] == Tally(1, more=True)
    assert '<strong id="certificate-count">1+</strong>' in page.content.decode()
    # the pages still reach every visible dependant up to the cap, newest first
    assert len(page.context["certificates"].object_list) == 1
    listing = client_as("zibo_lab").get("/certificates/")
    assert listing.context["page"].paginator.more is True
    assert "(1+)" in listing.content.decode() or "共 1+ 条" in listing.content.decode()
    api = client_as("zibo_lab").get(f"/api/standards/{world.primary.pk}/trace-down?limit=10")
    body = api.json()
    assert (body["certificate_count"], body["certificate_count_more"]) == (1, True)
    assert set(body["certificates"]) == CERTIFICATES["zibo_lab"]  # lists are not capped


def test_few_matches_are_paged_by_id_in_the_same_order(world, client_as, monkeypatch) -> None:
    """`bounded` reads few matches by id; the page must be the one the plain query gives."""
    for role in ("zibo_lab", "reg_zibo", "admin"):
        by_id = client_as(role).get("/certificates/").context["page"].object_list
        monkeypatch.setattr(traceability, "FEW", 0)  # never narrow to the ids
        plain = client_as(role).get("/certificates/").context["page"].object_list
        monkeypatch.undo()
        assert [c.number for c in by_id] == [c.number for c in plain], role


def test_many_matches_are_paged_by_probing_in_the_same_order(world, client_as, monkeypatch) -> None:
    """Past the cap, list pages walk their order and probe each row (`ProbedPages`); the page
    must hold what the plain ordered query gives, with its annotations."""
    from jiliang.registry.models import Certificate, Instrument

    monkeypatch.setattr(traceability, "COUNT_CAP", 1)
    for role in ("zibo_lab", "reg_zibo", "sd_lab"):
        user = world.users[role]
        page = client_as(role).get("/certificates/").context["page"]
        assert page.paginator.more is True
        plain = Certificate.objects.visible_to(user).order_by("-calibration_date", "-id")
        # the pages reach as far as the cap: one row here, the first in the list's order
        assert [c.number for c in page.object_list] == [plain[0].number], role
        rows = [
            {"obj": r.record} for r in client_as(role).get("/instruments/").context["table"].rows
        ]
        instruments = Instrument.objects.visible_to(user).order_by("id")
        assert [r["obj"].pk for r in rows] == [instruments[0].pk], role
