"""A comparison world: a regional centre pilots, five laboratories take part."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import World, uscc

# Cox, Metrologia 39 (2002) 589, section 5 (the BIPM example): five labs, x and u.
COX_VALUES = [43772.0, 43910.0, 43947.0, 43910.0, 43900.0]
COX_U = [97.0, 100.0, 104.5, 160.0, 280.0]


@dataclass
class Comparison:
    world: World
    campaign: Any
    centre: Any
    labs: list[Any]  # participating institutions, in the order of COX_VALUES
    users: dict[str, Any]  # every user, including the world's


def move_deadline(campaign: Any, *, past: bool) -> None:
    """Tests move time by moving the deadline (the services read timezone.now())."""
    from jiliang.comparisons.models import Campaign

    delta = dt.timedelta(hours=1)
    when = timezone.now() - delta if past else timezone.now() + delta
    Campaign.objects.filter(pk=campaign.pk).update(deadline=when)
    campaign.refresh_from_db()


def client_for(users: dict[str, Any], name: str | None) -> Client:
    client = Client()
    if name is not None:
        client.force_login(users[name])
    return client


@pytest.fixture
def comparison(world: World) -> Comparison:
    from jiliang.accounts.models import User
    from jiliang.comparisons import services
    from jiliang.registry.models import Institution

    centre = Institution.objects.create(
        name_zh="华东国家计量测试中心",
        name_en="East China National Metrology Test Centre",
        kind="regional_centre",
        division_code="310000",
        uscc=uscc("12310000400000080"),
    )
    lab_d = Institution.objects.create(
        name_zh="某校准实验室D",
        name_en="Lab D",
        kind="calibration_lab",
        division_code="320100",
        uscc=uscc("91320100MA0000090"),
    )
    lab_e = Institution.objects.create(
        name_zh="某校准实验室E",
        name_en="Lab E",
        kind="calibration_lab",
        division_code="330100",
        uscc=uscc("91330100MA0000100"),
    )
    users = dict(world.users)
    for name, inst, role in (
        ("centre", centre, "centre"),
        ("lab_d", lab_d, "lab"),
        ("lab_e", lab_e, "lab"),
    ):
        users[name] = User.objects.create_user(
            name, password="pw-test-123", institution=inst, role=role
        )
    campaign = services.create_campaign(
        users["centre"],
        code="EC-M-2026-01",
        title="1 kg 砝码比对 1 kg mass comparison",
        measurand="mass of a 1 kg weight, deviation from nominal",
        unit="µg",
        method="weighted-mean",
        deadline=timezone.now() + dt.timedelta(days=30),
        quantity="mass",
    )
    labs = [world.nim, world.province, world.city, lab_d, lab_e]
    for lab in labs:
        services.invite(users["centre"], campaign, lab)
    return Comparison(world, campaign, centre, labs, users)


LAB_USERS = ["nim_lab", "sd_lab", "zibo_lab", "lab_d", "lab_e"]


def accept_and_submit(cmp: Comparison, **extra: Any) -> None:
    from jiliang.comparisons import services

    for name, x, u in zip(LAB_USERS, COX_VALUES, COX_U, strict=True):
        services.respond(cmp.users[name], cmp.campaign, True)
        services.submit(cmp.users[name], cmp.campaign, value=x, u=u, **extra.get(name, {}))
