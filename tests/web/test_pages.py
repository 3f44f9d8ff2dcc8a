"""What the pages show: derived fields, the rules they apply, and bad input answered with a
message (4xx), never a 500. Dates and codes come from the shared world (tests/conftest.py)
and from the published rules cited next to each assertion."""

from __future__ import annotations

import datetime as dt

from jiliang.accounts.models import ChangeRecord
from jiliang.registry.models import (
    Authorisation,
    CatalogueItem,
    Certificate,
    ReferenceMaterial,
    VerificationScheme,
)
from jiliang.registry.traceability import Tally


def test_every_page_renders_for_the_administrator(world, client_as) -> None:
    client = client_as("admin")
    item = CatalogueItem.objects.get(number="C01")
    scheme = VerificationScheme.objects.get(code="JJG 2053-2016")
    for path in (
        "/",
        "/institutions/",
        f"/institutions/{world.city.pk}/",
        "/people/",
        f"/people/{world.people['city'].pk}/",
        "/standards/",
        f"/standards/{world.f1.pk}/",
        f"/standards/{world.primary.pk}/",
        f"/standards/{world.f1.pk}/trace-up/",
        f"/standards/{world.primary.pk}/trace-down/",
        f"/standards/{world.e2.pk}/impact/",
        "/materials/",
        "/instruments/",
        f"/instruments/{world.scale.pk}/",
        f"/instruments/{world.scale.pk}/trace-up/",
        "/certificates/",
        f"/certificates/{world.cert_scale.pk}/",
        "/catalogue/",
        f"/catalogue/{item.pk}/",
        "/schemes/",
        f"/schemes/{scheme.pk}/",
        "/due/",
        f"/changes/registry.instrument/{world.scale.pk}/",
        "/account/tokens/",
        "/accounts/login/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert b"<h1" in response.content, path


def test_instrument_detail_derives_mandatory_status_and_due_date(world, client_as) -> None:
    page = client_as("market").get(f"/instruments/{world.scale.pk}/")
    text = page.content.decode()
    # SAMR Announcement 2020 No. 42: non-automatic weighing instruments used for trade
    # settlement are under mandatory periodic verification (catalogue row C01).
    assert page.context["mandatory"].mandatory is True
    assert "强检 周期检定" in text  # Chinese by default (issue 13 i18n)
    # Due = validity of the last passing certificate ZB-2025-0001 (issued 2025-09-01, one
    # year, so valid until 2026-08-31 as the world records it).
    assert page.context["due"] == dt.date(2026, 8, 31)
    assert "2026-08-31" in text and "ZB-2025-0001" in text
    assert f'href="/instruments/{world.scale.pk}/trace-up/"' in text
    assert f'href="/changes/registry.instrument/{world.scale.pk}/"' in text


def test_instrument_used_outside_the_mandatory_areas_is_not_mandatory(world, client_as) -> None:
    page = client_as("sd_lab").get(f"/instruments/{world.e2_weight.pk}/")
    # catalogue row C02 (weights) is mandatory for trade only; this weight is "other" use.
    assert page.context["mandatory"].mandatory is False
    assert "非强检" in page.content.decode()
    client = client_as("sd_lab")
    client.cookies["django_language"] = "en"
    assert "not mandatory" in client.get(f"/instruments/{world.e2_weight.pk}/").content.decode()


def test_trace_up_page_shows_every_link_to_the_primary_standard(world, client_as) -> None:
    page = client_as("market").get(f"/instruments/{world.scale.pk}/trace-up/")
    text = page.content.decode()
    chain = page.context["result"]["chain"]
    assert chain["certificate"]["number"] == "ZB-2025-0001"
    for expected in (
        "ZB-2025-0001",
        "淄博市计量技术研究院",
        "ZB-F1-001",
        "SD-2025-0001",
        "山东省计量科学研究院",
        "SD-E2-001",
        "NIM-2025-0001",
        "中国计量科学研究院",
        "GJJ(力)0101",
        "⚑ 国家计量基准",
    ):
        assert expected in text, expected
    assert page.context["terminals"] == [["national_primary", "GJJ(力)0101"]]


def test_broken_chain_is_shown_with_its_reason(world, client_as) -> None:
    page = client_as("taxi").get(f"/instruments/{world.taxi_meter.pk}/trace-up/")
    text = page.content.decode()
    assert page.context["result"]["valid"] is False
    assert '<span class="code">链接缺失</span>' in text  # the problem's code, in Chinese
    assert "missing link: no certificate for TAXI-0001" in text
    assert 'class="problem"' in text


def test_standard_detail_shows_examination_reminder_and_interlock(world, client_as) -> None:
    page = client_as("zibo_lab").get(f"/standards/{world.f1.pk}/")
    text = page.content.decode()
    # 计量标准考核办法 (2005) Art. 15: the examination certificate is valid four years, so
    # issued 2024-05-01 it runs to 2028-04-30; Art. 16: apply for reexamination six months
    # before expiry, i.e. from 2027-10-30.
    (exam,) = page.context["examinations"]
    assert exam["cert"].valid_until == dt.date(2028, 4, 30)
    assert exam["reminder"] == dt.date(2027, 10, 30)
    assert "2027-10-30" in text
    # Interlock: the F1 weights' certificate SD-2025-0001 ran out on 2026-03-31.
    assert page.context["problems"] == [
        "equipment F1-1KG-01: certificate SD-2025-0001 expired 2026-03-31"
    ]
    assert "联锁：今日不可用于新的检定/校准" in text  # Chinese by default (issue 13 i18n)
    client = client_as("zibo_lab")
    client.cookies["django_language"] = "en"
    english = client.get(f"/standards/{world.f1.pk}/").content.decode()
    assert "Interlock: cannot be selected for new work today" in english
    assert 'id="interlock"' in text


def test_primary_standard_has_no_examination_section(world, client_as) -> None:
    page = client_as("nim_lab").get(f"/standards/{world.primary.pk}/")
    text = page.content.decode()
    assert "GJJ(力)0101" in text
    assert "计量标准考核证书" not in text
    assert "Usable for new work today" in text


def test_trace_down_counts_levels(world, client_as) -> None:
    page = client_as("admin").get(f"/standards/{world.primary.pk}/trace-down/")
    # GJJ(力)0101 → SD-E2-001 → ZB-F1-001: three levels of standards, the last with none below
    assert [lvl["standards"] for lvl in page.context["levels"]] == [1, 1, 1]
    assert page.context["levels"][-1]["next"] == 0
    assert page.context["certificate_count"] == Tally(3)
    assert page.context["instrument_count"] == Tally(3)


def test_impact_page_lists_customers_to_notify(world, client_as) -> None:
    page = client_as("admin").get(f"/standards/{world.e2.pk}/impact/?on=2026-01-10")
    text = page.content.decode()
    # last good calibration of the E2 weights: NIM-2025-0001 on 2025-03-01
    assert page.context["last_good"] == dt.date(2025, 3, 1)
    assert [r.certificate for r in page.context["rows"]] == ["SD-2025-0001", "ZB-2025-0001"]
    assert {c[1] for c in page.context["customers"]} == {"淄博某农贸市场", "淄博市计量技术研究院"}
    assert "format=csv" in text and "format=xlsx" in text


def test_impact_page_without_a_date_shows_the_form_only(world, client_as) -> None:
    page = client_as("admin").get(f"/standards/{world.e2.pk}/impact/")
    assert page.status_code == 200
    assert 'type="date"' in page.content.decode()
    assert "rows" not in page.context


def test_bad_input_is_answered_with_a_message_not_a_500(world, client_as) -> None:
    client = client_as("admin")
    # (field named in the message, our own wording or None for Django's translated one)
    cases = {
        f"/standards/{world.e2.pk}/impact/?on=yesterday": ("on", None),
        f"/standards/{world.e2.pk}/impact/?on=2999-01-01": ("on", "the date lies in the future"),
        f"/standards/{world.e2.pk}/impact/?on=2026-01-10&format=pdf": (
            None,
            "unknown export format 'pdf'",
        ),
        "/instruments/?status=melted": ("status", None),
        "/instruments/?owner=abc": ("owner", None),
        "/institutions/?division=3x": ("division", None),
        "/catalogue/?confirmed=maybe": ("confirmed", None),
        "/standards/?quantity=999999": ("quantity", None),
        "/certificates/?q=" + "x" * 101: ("q", None),
        "/due/?region=375": ("region", "2, 4 or 6 digits"),
        "/due/?owner=999999": ("owner", None),
        "/due/?format=pdf": (None, "unknown export format 'pdf'"),
    }
    for path, (field, message) in cases.items():
        response = client.get(path)
        assert response.status_code == 400, path
        text = response.content.decode()
        assert 'role="alert"' in text, path
        if field is not None:
            # the field's name, marked as data (bdi) since issue 13's i18n
            assert f'<code><bdi lang="zh">{field}</bdi></code>' in text, path
        if message is not None:
            assert message.replace("'", "&#x27;") in text, path
    for path in ("/instruments/?page=abc", "/instruments/?page=999", "/certificates/?page=-1"):
        assert client.get(path).status_code == 200, path
    for path in (
        "/instruments/999999/",
        "/standards/999999/trace-down/",
        "/changes/nope.model/1/",
        "/changes/accounts.user/1/",
    ):
        assert client.get(path).status_code == 404, path


def test_due_list_filters_by_owner_and_region(world, client_as) -> None:
    client = client_as("admin")

    def serials(query: str) -> set[str]:
        page = client.get("/due/" + query)
        assert page.status_code == 200, query
        return {e.serial_number for e in page.context["page"].object_list}

    # SCALE-0001 is due 2026-08-31 and F1-1KG-01 2026-03-31 (both past); the taximeter
    # has never been verified.
    everything = serials("")
    assert {"SCALE-0001", "F1-1KG-01", "TAXI-0001"} <= everything
    assert serials(f"?owner={world.taxi.pk}") == {"TAXI-0001"}
    assert serials("?region=11") == {"TAXI-0001"}
    assert serials("?region=3703") == {"SCALE-0001", "F1-1KG-01"}
    assert serials("?region=370303") == {"SCALE-0001"}
    states = {e.serial_number: e.state for e in client.get("/due/").context["page"].object_list}
    assert states["SCALE-0001"] == "overdue" and states["TAXI-0001"] == "never"


def test_owner_outside_the_users_scope_is_rejected(world, client_as) -> None:
    response = client_as("market").get(f"/due/?owner={world.taxi.pk}")
    assert response.status_code == 400


def test_list_search_and_filters(world, client_as) -> None:
    client = client_as("admin")
    found = client.get("/instruments/?q=计价秤").context["page"].object_list
    assert [i.serial_number for i in found] == ["SCALE-0001"]
    found = client.get(f"/instruments/?owner={world.city.pk}").context["page"].object_list
    assert [i.serial_number for i in found] == ["F1-1KG-01"]
    found = client.get("/instruments/?use_area=trade").context["page"].object_list
    assert {i.serial_number for i in found} == {"SCALE-0001", "TAXI-0001"}
    found = client.get("/standards/?kind=national_primary").context["page"].object_list
    assert [s.code for s in found] == ["GJJ(力)0101"]
    found = client.get("/institutions/?division=3703").context["page"].object_list
    assert {i.name_zh for i in found} == {
        "淄博市计量技术研究院",
        "淄博某农贸市场",
        "淄博市市场监督管理局",
    }
    found = client.get("/certificates/?q=SD-2025").context["page"].object_list
    assert [c.number for c in found] == ["SD-2025-0001"]


def test_catalogue_marks_unconfirmed_rows(world, client_as) -> None:
    client = client_as(None)
    page = client.get("/catalogue/")
    text = page.content.decode()
    assert page.context["unconfirmed"] == CatalogueItem.objects.filter(confirmed=False).count()
    assert 'unconfirmed"' in text and "未确认" in text  # the row's class, after odd/even
    only = client.get("/catalogue/?confirmed=no").context["page"].object_list
    assert "C02" in {i.number for i in only} and all(not i.confirmed for i in only)
    c02 = CatalogueItem.objects.get(number="C02")
    detail = client.get(f"/catalogue/{c02.pk}/").content.decode()
    assert '<div class="warn-box">⚠ 未确认：本行的监管方式' in detail


def test_scheme_detail_lists_the_levels(world, client_as) -> None:
    scheme = VerificationScheme.objects.get(code="JJG 2053-2016")
    text = client_as(None).get(f"/schemes/{scheme.pk}/").content.decode()
    # OIML R111-1:2004 Table 1: class E1, 1 kg, MPE ±0.5 mg
    assert "E1等级砝码" in text and "MPE ±0.5 mg (1 kg)" in text


def test_certificate_detail_shows_signatories_standards_and_amendments(world, client_as) -> None:
    amended = Certificate.objects.create(
        number="ZB-2025-0001-A1",
        kind="verification",
        issuer=world.city,
        instrument=world.scale,
        regulation="JJG 539-2016",
        calibration_date=dt.date(2025, 9, 1),
        issued_on=dt.date(2025, 9, 10),
        valid_until=dt.date(2026, 8, 31),
        conclusion="pass",
        amends=world.cert_scale,
        amendment="amends",
        verifier=world.people["city"],
    )
    client = client_as("market")
    old = client.get(f"/certificates/{world.cert_scale.pk}/")
    text = old.content.decode()
    assert old.context["later"] == [amended]
    assert "ZB-2025-0001-A1" in text and "本证书已被更正/替代" in text
    assert "nim metrologist" in text and "REG-N1" in text  # the verifier of ZB-2025-0001
    assert "ZB-F1-001" in text and "JJG 99-2022" in text
    new = client.get(f"/certificates/{amended.pk}/")
    assert new.context["earlier"] == [world.cert_scale]
    assert "· 更正" in new.content.decode()  # the amendment label (Chinese msgid since issue 13)


def test_institution_detail_shows_authorisations(world, client_as) -> None:
    Authorisation.objects.create(
        institution=world.city,
        form=Authorisation.Form.PUBLIC_STANDARD,
        scope="质量 mass: F1 weights",
        certificate_number="(鲁)法计(2024)370300",
        valid_from=dt.date(2024, 1, 1),
        valid_until=dt.date(2099, 12, 31),
    )
    text = client_as(None).get(f"/institutions/{world.city.pk}/").content.decode()
    assert "(鲁)法计(2024)370300" in text and "授权建立社会公用计量标准" in text
    assert "有效" in text and "valid" not in text  # Chinese by default (issue 13 i18n)


def test_reference_material_pages(world, client_as) -> None:
    material = ReferenceMaterial.objects.create(
        gbw_number="GBW(E)060001",
        name="铝合金光谱标准物质 Aluminium alloy",
        producer=world.city,
        quantity=world.primary.quantity,
        certified_value=0.12,
        unit="%",
        expanded_uncertainty=0.01,
        coverage_factor=2,
        expiry=dt.date(2020, 1, 1),
    )
    client = client_as(None)
    assert "GBW(E)060001" in client.get("/materials/").content.decode()
    detail = client.get(f"/materials/{material.pk}/")
    assert detail.context["expired"] is True
    assert "二级标准物质" in detail.content.decode()
    client.cookies["django_language"] = "en"
    assert "grade 2 (GBW(E))" in client.get(f"/materials/{material.pk}/").content.decode()
    del client.cookies["django_language"]
    assert list(client.get("/materials/?grade=1").context["page"].object_list) == []


def test_change_log_shows_who_when_and_the_diff(world, client_as) -> None:
    world.scale.location = "摊位 12 Stall 12"
    world.scale.save()
    page = client_as("market").get(f"/changes/registry.instrument/{world.scale.pk}/")
    text = page.content.decode()
    records = ChangeRecord.objects.filter(model="registry.instrument", object_id=world.scale.pk)
    assert len(page.context["rows"]) == records.count() == 2
    update = page.context["rows"][0]
    assert update["record"].action == "update"
    assert update["diff"] == [("location", "", "摊位 12 Stall 12")]
    # the field by its name, not its column (marked as data since issue 13's i18n)
    assert '<th><bdi lang="zh">location</bdi></th>' in text
    assert "修改" in text and "创建" in text and "摊位 12 Stall 12" in text
    assert client_as("taxi").get(page.request["PATH_INFO"]).status_code == 404


def test_language_switch_makes_english_primary(world, client_as) -> None:
    client = client_as("market")
    assert b'<html lang="zh">' in client.get("/").content
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/instruments/"})
    assert response.status_code == 302 and response["Location"] == "/instruments/"
    assert b'<html lang="en">' in client.get("/instruments/").content


def test_login_and_logout(world, client_as) -> None:
    client = client_as(None)
    page = client.get("/accounts/login/?next=/due/")
    assert "用户名" in page.content.decode()
    bad = client.post("/accounts/login/", {"username": "market", "password": "wrong"})
    assert bad.status_code == 200 and "用户名或密码不正确" in bad.content.decode()
    good = client.post(
        "/accounts/login/", {"username": "market", "password": "pw-test-123", "next": "/due/"}
    )
    assert good.status_code == 302 and good["Location"] == "/due/"
    assert client.get("/due/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/due/").status_code == 302


def test_chain_before_any_rule_was_in_force_is_traced_not_a_500(world, client_as) -> None:
    """rules.yaml has the uncertainty-ratio rule from 2000-01-01 (JJF 1033); a link dated
    1999 is traced without that check, and its real problems are shown."""
    Certificate.objects.create(
        number="OLD-1999-0001",
        kind="verification",
        issuer=world.city,
        instrument=world.taxi_meter,
        regulation="JJG 517-1998",
        calibration_date=dt.date(1999, 6, 1),
        issued_on=dt.date(1999, 6, 1),
        valid_until=dt.date(2099, 6, 1),
        conclusion="pass",
    ).use_standards(world.f1)
    response = client_as("taxi").get(f"/instruments/{world.taxi_meter.pk}/trace-up/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "OLD-1999-0001" in page
    assert "uncertainty_ratio" not in page


def test_instrument_list_shows_each_due_date(world, client_as) -> None:
    """Due = validity of the last passing certificate, as the world issued them:
    NIM-2025-0001 (2025-03-01, two years), SD-2025-0001 (2025-04-01, one year),
    ZB-2025-0001 (2025-09-01, one year); the taximeter has none."""
    rows = client_as("admin").get("/instruments/").context["table"].rows
    assert {r.record.serial_number: r.record.due_date for r in rows} == {
        "E2-1KG-01": dt.date(2027, 2, 28),
        "F1-1KG-01": dt.date(2026, 3, 31),
        "SCALE-0001": dt.date(2026, 8, 31),
        "TAXI-0001": None,
    }
