"""The grouped menu, shaped by role: who sees which page (issue 13 §6)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from jiliang.navigation import all_entries, audience_of, entry_problems, menu_for


def _urls(user: Any) -> dict[str, set[str]]:
    return {g.key: {e.url for e in g.entries} for g in menu_for(user)}


def _all(user: Any) -> set[str]:
    return {url for urls in _urls(user).values() for url in urls}


def test_every_menu_entry_of_every_app_is_well_formed(db: Any) -> None:
    problems = [(src, e, p) for src, e in all_entries() for p in entry_problems(e)]
    assert problems == []
    # and a bad one is named precisely
    assert entry_problems({"group": "nope", "label": "", "url": "x", "audience": ["market"]}) == [
        "group 'nope' is not one of registry, work, supervision, services, public, trust",
        "label must be a non-empty Chinese msgid",
        "audience must be a non-empty list of admin, anonymous, enterprise, lab, regulator, user",
    ]


def test_audiences(world: Any) -> None:
    u = world.users
    assert audience_of(AnonymousUser()) == {"anonymous"}
    assert audience_of(u["market"]) == {"user", "enterprise"}
    assert audience_of(u["zibo_lab"]) == {"user", "lab"}
    assert audience_of(u["reg_zibo"]) == {"user", "regulator"}
    assert audience_of(u["admin"]) == {"user", "admin"}


def test_a_market_sees_its_work_not_supervision(world: Any) -> None:
    seen = _all(world.users["market"])
    for name in ("registry:instruments", "registry:due", "registry:certificates", "portal:jobs"):
        assert reverse(name) in seen, name
    for name in ("taximeters:home", "comparisons:list", "lots:list", "calibration:jobs"):
        assert reverse(name) not in seen, name


def test_a_laboratory_and_a_regulator(world: Any) -> None:
    lab = _all(world.users["zibo_lab"])
    assert {reverse("calibration:jobs"), reverse("registry:customers")} <= lab
    assert reverse("comparisons:list") in lab and reverse("taximeters:home") not in lab
    regulator = _all(world.users["reg_zibo"])
    assert {reverse("taximeters:home"), reverse("lots:list"), reverse("registry:due")} <= regulator
    assert reverse("calibration:jobs") not in regulator and reverse("portal:jobs") not in regulator


def test_anonymous_sees_public_pages_only(db: Any) -> None:
    seen = _urls(AnonymousUser())
    assert {"registry", "public", "trust"} <= set(seen)
    assert "work" not in seen and "supervision" not in seen
    assert reverse("check") in seen["public"]
    assert reverse("registry:instruments") not in seen["registry"]
    assert reverse("registry:institutions") in seen["registry"]


def test_an_administrator_sees_entries_for_users_and_administrators(world: Any) -> None:
    wanted = {e["url"] for _, e in all_entries() if {"user", "admin"} & set(e["audience"])}
    seen = _all(world.users["admin"])
    assert seen == {u if u.startswith("/") else reverse(u) for u in wanted}
    assert {reverse("taximeters:home"), reverse("calibration:jobs")} <= seen
    assert reverse("portal:jobs") not in seen  # an administrator sends nothing to be verified


def test_the_current_page_is_marked(world: Any) -> None:
    groups = menu_for(world.users["market"], "/instruments/12/")
    active = [(g.key, e.url) for g in groups for e in g.entries if e.active]
    assert active == [("registry", "/instruments/")]
    assert [g.key for g in groups if g.active] == ["registry"]


def test_the_page_renders_groups_as_dropdowns(client_as: Any) -> None:
    html = client_as("market").get("/").content.decode()
    groups = re.findall(r'<details class="menu-group[^"]*" data-group="(\w+)">', html)
    assert {"registry", "work", "public", "trust"} <= set(groups)
    assert groups.index("registry") < groups.index("work") < groups.index("public")
    assert 'id="menu-toggle"' in html and "jiliang/home/nav.js" in html
    assert 'href="/taximeters/"' not in html


@pytest.mark.parametrize("role", ["market", "zibo_lab", "reg_zibo", "admin", None])
def test_every_menu_link_opens(client_as: Any, role: str | None) -> None:
    """No entry leads a user to an error page: every link of its menu answers 200."""
    client = client_as(role)
    html = client.get("/").content.decode()
    menu = html.split('<nav class="main"', 1)[1].split("</nav>", 1)[0]
    links = re.findall(r'href="([^"]+)"', menu)
    assert links
    for link in links:
        response = client.get(link, follow=True)  # a group's index may redirect to its page
        assert response.status_code == 200, (role, link, response.status_code)
