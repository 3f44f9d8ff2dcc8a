"""GB 17167 check from the database: the test site's tree joined to the registry."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from tests.monitoring.site import Site

ED = "GB 17167-2006"


def client_for(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


def meter(site: Site, serial: str, accuracy: str, *, certificate: str = "") -> Any:
    """A registered meter of the plant; ``certificate`` states a class on a certificate."""
    from jiliang.registry.models import Certificate, Instrument

    inst = Instrument.objects.create(
        owner=site.plant,
        name="电能表",
        division_code="150200",
        serial_number=serial,
        accuracy_class=accuracy,
        unit="kWh",
    )
    if certificate:
        lab = Certificate.objects.first().issuer  # type: ignore[union-attr]
        Certificate.objects.create(
            number=f"C-{serial}",
            kind="verification",
            issuer=lab,
            instrument=inst,
            regulation="JJG 596-2012",
            calibration_date=dt.date(2026, 1, 5),
            issued_on=dt.date(2026, 1, 5),
            valid_until=dt.date(2028, 1, 4),
            conclusion="pass",
            accuracy_class=certificate,
        )
    return inst


def extend(site: Site) -> None:
    """Category II; three more workshops that must meter electricity (W2, W3 metered, W4
    not) and a boundary sub-meter whose certificate states class 1.0."""
    from jiliang.monitoring.sites import define_site

    define_site(
        site.plant,
        {
            "code": "NM-ALU-01",
            "sector": "aluminium",
            "electricity_category": "II",
            "nodes": [
                {"code": "B", "name": "厂区", "level": 1},
                {"code": "POT", "name": "电解车间", "level": 2, "parent": "B"},
                *(
                    {
                        "code": code,
                        "name": f"车间{code}",
                        "level": 2,
                        "parent": "B",
                        "varieties": ["electricity"],
                    }
                    for code in ("W2", "W3", "W4")
                ),
            ],
            "points": [
                {"code": "E-W2", "node": "W2", "variety": "electricity", "unit": "kWh",
                 "instrument": meter(site, "E-W2", "0.5S")},
                {"code": "E-W3", "node": "W3", "variety": "electricity", "unit": "kWh",
                 "instrument": meter(site, "E-W3", "0.5S")},
                # the record says 0.5S, the newest certificate says 1.0: the certificate wins
                {"code": "E-AUX", "node": "B", "variety": "electricity", "unit": "kWh",
                 "instrument": meter(site, "E-AUX", "0.5S", certificate="1.0")},
            ],
        },
    )  # fmt: skip
    site.energy_user.refresh_from_db()


def test_report_rates_missing_and_too_coarse(site: Site) -> None:
    from jiliang.monitoring.equipping import report_for

    extend(site)
    report = report_for(site.energy_user, ED)
    assert (report["edition"], report["confirmed"], report["category"]) == (ED, False, "II")
    secondary = {r["variety"]: r for r in report["levels"][1]["rows"]}["electricity"]
    # POT, W2, W3 metered, W4 not: 3 of 4 = 75 % < 100 %
    assert (secondary["required"], secondary["equipped"], secondary["rate"]) == (4, 3, 75.0)
    assert secondary["pass"] is False and secondary["missing"] == ["W4"]
    boundary = {r["variety"]: r for r in report["levels"][0]["rows"]}
    # the boundary must meter what the tree meters: electricity yes, gas has no instrument
    assert boundary["electricity"]["rate"] == 100.0
    assert (boundary["natural_gas"]["rate"], boundary["natural_gas"]["pass"]) == (0.0, False)
    assert {(m["node"], m["variety"], m["reason"]) for m in report["missing"]} == {
        ("W4", "electricity", "no_meter"),
        ("B", "natural_gas", "unregistered"),
    }
    verdicts = {r["point"]: (r["class"], r["required"], r["verdict"]) for r in report["accuracy"]}
    assert verdicts["E-MAIN"] == ("0.5S", "0.5S", "pass")
    assert verdicts["E-AUX"] == ("1.0", "0.5S", "fail")  # class 1.0 where 0.5S is required
    assert verdicts["GAS"] == ("", None, "no_meter")
    assert [r["point"] for r in report["too_coarse"]] == ["E-AUX"]
    assert report["pass"] is False


def test_page_for_owner_and_regulator_403_for_others(site: Site) -> None:
    extend(site)
    url = "/energy/users/NM-ALU-01/gb17167/"
    for who in ("alu", "reg_nm", "admin"):
        page = client_for(site.users[who]).get(url)
        assert page.status_code == 200, who
        html = page.content.decode()
        assert 'id="equipping-unconfirmed"' in html and ED in html
        assert "75.0" in html and "W4" in html and 'class="verdict-fail"' in html
    assert client_for(site.users["other"]).get(url).status_code == 403
    assert client_for(site.users["other"]).get("/energy/users/NOPE/gb17167/").status_code == 404
    assert Client().get(url).status_code == 302  # to the login
    dashboard = client_for(site.users["alu"]).get("/energy/users/NM-ALU-01/").content.decode()
    assert url in dashboard


def test_edition_without_tables_is_a_400_naming_it(site: Site) -> None:
    page = client_for(site.users["alu"]).get(
        "/energy/users/NM-ALU-01/gb17167/", {"edition": "GB 17167-2025"}
    )
    assert page.status_code == 400
    html = page.content.decode()
    assert 'id="equipping-error"' in html and "GB 17167-2025" in html


@pytest.mark.slow
def test_demo_plants_pages(transactional_db: Any, energy_root: Any) -> None:
    from jiliang.accounts.models import User
    from jiliang.monitoring.demo import PLANTS, build_monitoring_demo
    from jiliang.registry.demo import build_demo

    build_monitoring_demo(build_demo())
    # the regulator of each plant's region: Zibo for the aluminium plant, Inner Mongolia else
    regulators = {"alu": "regulator_zibo", "steel": "regulator_nm", "cement": "regulator_nm"}
    verdicts: dict[str, str] = {}
    for plant in PLANTS:
        url = f"/energy/users/{plant['code']}/gb17167/"
        assert client_for(User.objects.get(username=plant["login"])).get(url).status_code == 200
        regulator = client_for(User.objects.get(username=regulators[plant["key"]]))
        page = regulator.get(url)
        assert page.status_code == 200, plant["code"]
        html = page.content.decode()
        assert 'id="equipping-rates"' in html
        verdicts[plant["key"]] = html
    # aluminium: every boundary and secondary meter present, 0.2S for category I: complies;
    # steel and cement weigh coal with class 0.5 belt scales against the 0.1 % static row
    assert 'id="equipping-verdict" class="state-verified"' in verdicts["alu"]
    for key in ("steel", "cement"):
        assert 'id="equipping-verdict" class="state-failed"' in verdicts[key]
        assert verdicts[key].count('class="verdict-fail"') == 1
    # another plant's staff, and a regulator of another region: 403
    steel = client_for(User.objects.get(username="energy_steel"))
    assert steel.get("/energy/users/NM-CEMENT-01/gb17167/").status_code == 403
    nm = client_for(User.objects.get(username="regulator_nm"))
    assert nm.get("/energy/users/QD-ALU-01/gb17167/").status_code == 403


def test_cli_json_and_refusals(site: Site) -> None:
    import json

    from typer.testing import CliRunner

    from jiliang.cli.main import app

    extend(site)
    runner = CliRunner()
    res = runner.invoke(app, ["energy", "equipping", "--user", "NM-ALU-01", "--json"])
    assert res.exit_code == 1, res.output  # does not comply
    doc = json.loads(res.stdout)
    assert doc["edition"] == ED and doc["confirmed"] is False
    assert [r["point"] for r in doc["too_coarse"]] == ["E-AUX"]
    text = runner.invoke(app, ["energy", "equipping", "--user", "NM-ALU-01"])
    assert text.exit_code == 1 and "W4" in text.stdout and "E-AUX" in text.stdout
    for args, expected in (
        (["--user", "NOPE"], "no such energy user"),
        (["--user", "NM-ALU-01", "--edition", "GB 17167-2025"], "no tables"),
    ):
        res = runner.invoke(app, ["energy", "equipping", *args])
        assert res.exit_code == 2 and expected in res.stderr and "Traceback" not in res.output
