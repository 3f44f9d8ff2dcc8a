"""The customer relations page: the owner ends, accepts and gives; the lab asks (issue 12)."""

from __future__ import annotations

from jiliang.registry.models import LabAccess, LabCustomer

PAGE = "/customers/"


def instrument_page(client) -> str:
    response = client.get("/instruments/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_owner_sees_its_laboratories_and_ends_one(world, client_as) -> None:
    market = client_as("market")
    page = market.get(PAGE)
    assert page.status_code == 200
    text = page.content.decode()
    # the owner's button, Chinese by default and English by the language cookie (issue 13 i18n)
    assert world.city.name_zh in text and "<button>终止</button>" in text
    market.cookies["django_language"] = "en"
    assert "<button>End</button>" in market.get(PAGE).content.decode()
    del market.cookies["django_language"]
    relation = LabCustomer.objects.get(lab=world.city, owner=world.market)
    assert "SCALE-0001" in instrument_page(client_as("zibo_lab"))
    done = market.post(PAGE, {"action": "end", "relation": relation.pk})
    assert done.status_code == 302
    relation.refresh_from_db()
    assert (relation.status, relation.ended_by) == ("ended", world.users["market"])
    assert "SCALE-0001" not in instrument_page(client_as("zibo_lab"))
    # the lab sees the ended relation on its own page, without the owner's buttons
    lab_page = client_as("zibo_lab").get(PAGE).content.decode()
    row = lab_page.split(f'id="relation-{relation.pk}"')[1].split("</tr>")[0]
    assert "已终止" in row and "<button" not in row


def test_a_lab_asks_and_the_owner_accepts_with_all_instruments(world, client_as) -> None:
    lab = client_as("sd_lab")
    asked = lab.post(PAGE, {"action": "request", "owner_uscc": world.market.uscc, "note": "合同"})
    assert asked.status_code == 302
    relation = LabCustomer.objects.get(lab=world.province, owner=world.market)
    assert relation.status == "requested"
    assert "SCALE-0001" not in instrument_page(lab)
    market = client_as("market")
    assert '<button class="primary">同意</button>' in market.get(PAGE).content.decode()
    market.cookies["django_language"] = "en"
    assert '<button class="primary">Accept</button>' in market.get(PAGE).content.decode()
    del market.cookies["django_language"]
    accepted = market.post(
        PAGE, {"action": "accept", "relation": relation.pk, "all_instruments": "on"}
    )
    assert accepted.status_code == 302
    assert "SCALE-0001" in instrument_page(lab)


def test_the_owner_gives_and_takes_back_by_serial_number(world, client_as) -> None:
    market = client_as("market")
    given = market.post(
        PAGE,
        {"action": "grant", "lab_uscc": world.province.uscc, "serials": "SCALE-0001\n"},
    )
    assert given.status_code == 302
    assert LabAccess.objects.filter(
        lab=world.province, instrument=world.scale, reason=LabAccess.Reason.GRANTED
    ).exists()
    assert "SCALE-0001" in instrument_page(client_as("sd_lab"))
    back = market.post(
        PAGE, {"action": "revoke", "lab_uscc": world.province.uscc, "serials": "SCALE-0001"}
    )
    assert back.status_code == 302
    assert "SCALE-0001" not in instrument_page(client_as("sd_lab"))


def test_refused_actions_show_why_and_change_nothing(world, client_as) -> None:
    before = (
        list(LabCustomer.objects.order_by("pk").values()),
        list(LabAccess.objects.order_by("pk").values()),
    )
    market = client_as("market")
    relation = LabCustomer.objects.get(lab=world.city, owner=world.market)
    cases = [
        (market, {"action": "grant", "lab_uscc": "NOT-A-CODE", "serials": "SCALE-0001"}, 400),
        (market, {"action": "grant", "lab_uscc": world.province.uscc, "serials": "TAXI-0001"}, 400),
        (
            market,
            {"action": "grant", "lab_uscc": world.province.uscc, "serials": "x\n" * 1001},
            400,
        ),
        (market, {"action": "accept", "relation": relation.pk}, 400),  # not a request
        (market, {"action": "end", "relation": "abc"}, 400),
        (market, {"action": "end", "relation": ""}, 400),
        (market, {"action": "explode"}, 400),
        (client_as("taxi"), {"action": "end", "relation": relation.pk}, 404),
        (client_as("zibo_lab"), {"action": "end", "relation": relation.pk}, 404),
        (client_as("zibo_lab"), {"action": "request", "owner_uscc": world.market.uscc}, 400),
        (
            client_as("sd_lab"),
            {"action": "request", "owner_uscc": world.market.uscc, "note": "a\x00b"},
            400,
        ),
        (client_as("reg_zibo"), {"action": "request", "owner_uscc": world.market.uscc}, 403),
        (client_as("reg_zibo"), {"action": "end", "relation": relation.pk}, 403),
    ]
    for client, data, status in cases:
        response = client.post(PAGE, data)
        assert response.status_code == status, (data, response.status_code)
    assert client_as(None).get(PAGE).status_code == 302  # to the login page
    after = (
        list(LabCustomer.objects.order_by("pk").values()),
        list(LabAccess.objects.order_by("pk").values()),
    )
    assert after == before
