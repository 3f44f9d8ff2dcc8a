"""The provincial export core: profiles (precise refusals), deterministic messages, the
envelope's JSON Schema, and delivery to a real local HTTP server."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import socket
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import yaml

from jiliang.energy import export, export_schema
from jiliang.energy.export import CST, ExportError, Figure, build_messages, load_profile

from .platform_server import Platform

MAY1 = dt.datetime(2026, 5, 1, tzinfo=CST)


def fig(point: str, variety: str, value: float, unit: str, **over: Any) -> Figure:
    row: dict[str, Any] = {
        "point": point,
        "variety": variety,
        "kind": "day",
        "start": MAY1,
        "value": value,
        "unit": unit,
    }
    row.update(over)
    return Figure(**row)


def test_shipped_profiles_load_and_nm_is_unconfirmed() -> None:
    assert export.profile_names() == ["generic-v1", "nm-v1"]
    assert load_profile("generic-v1").confirmed is True
    nm = load_profile("nm-v1")
    assert nm.confirmed is False and nm.schema_version == "NM-1.0"
    assert nm.items[("electricity", "day")].code == "NM-4100-D"


def test_nm_message_exact_body_units_and_id() -> None:
    # 1840 kWh stays kWh (2 decimals); 960 m3 of gas in 10^4 m3 is 0.096; a UTC start
    # 2026-04-30T16:00Z is 2026-05-01 00:00 in China Standard Time
    figures = [
        fig("GAS", "natural_gas", 960.0, "m3", quality="estimated"),
        fig(
            "E-MAIN",
            "electricity",
            1840.0,
            "kWh",
            start=dt.datetime(2026, 4, 30, 16, tzinfo=dt.UTC),
        ),
    ]
    (message,) = build_messages(load_profile("nm-v1"), "NM-ALU-01", figures)
    items = (
        '[{"dataCode":"NM-4100-D","meterCode":"E-MAIN","statTime":"20260501000000",'
        '"dataValue":1840.0,"unit":"kWh","dataQuality":"0"},'
        '{"dataCode":"NM-3100-D","meterCode":"GAS","statTime":"20260501000000",'
        '"dataValue":0.096,"unit":"10^4 m3","dataQuality":"2"}]'
    )
    blank = (
        '{"version":"NM-1.0","msgId":"","entCode":"NM-ALU-01","platform":"NM",'
        f'"dataCount":2,"data":{items}}}'
    )
    mid = hashlib.sha256(blank.encode()).hexdigest()[:32]
    assert message.message_id == mid
    assert message.body.decode() == blank.replace('"msgId":""', f'"msgId":"{mid}"')
    assert message.day == dt.date(2026, 5, 1) and message.count == 2


def test_generic_labels_iso_start_and_same_content_same_id() -> None:
    profile = load_profile("generic-v1")
    one = build_messages(profile, "U1", [fig("E1", "electricity", 2.5, "MWh")])
    two = build_messages(profile, "U1", [fig("E1", "electricity", 2.5, "MWh")])
    assert one[0].message_id == two[0].message_id
    item = one[0].document["items"][0]
    # 2.5 MWh = 2500 kWh, labelled with the period start in +08:00
    assert item == {
        "code": "electricity.day",
        "point": "E1",
        "start": "2026-05-01T00:00:00+08:00",
        "value": 2500.0,
        "unit": "kWh",
        "quality": "ok",
    }
    changed = build_messages(profile, "U1", [fig("E1", "electricity", 2.6, "MWh")])
    assert changed[0].message_id != one[0].message_id


def test_code_templates_fill_user_point_and_variety_code(tmp_path: Path) -> None:
    path, data = _profile_copy(tmp_path, "generic-v1")
    data["items"]["electricity"]["day"]["code"] = "{user}-{variety_code}-{point}-D"
    data["items"]["natural_gas"]["day"]["code"] = "{user}-{variety_code}-{point}-D"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    profile = load_profile(str(path))
    figures = [fig("E-MAIN", "electricity", 1.0, "kWh"), fig("GAS", "natural_gas", 2.0, "m3")]
    (message,) = build_messages(profile, "NM-ALU-01", figures)
    # varieties.yaml: electricity 4100, natural gas 3100 (GB/T 29870 class codes)
    assert [i["code"] for i in message.document["items"]] == [
        "NM-ALU-01-4100-E-MAIN-D",
        "NM-ALU-01-3100-GAS-D",
    ]


def test_one_message_per_day_split_after_max_items() -> None:
    profile = load_profile("generic-v1")
    small = export.Profile(**{**profile.__dict__, "max_items": 2})
    figures = [
        fig(f"E{i}", "electricity", 1.0, "kWh", start=MAY1 + dt.timedelta(days=d))
        for d in range(2)
        for i in range(3)
    ]
    messages = build_messages(small, "U1", figures)
    assert [(m.day.isoformat(), m.count) for m in messages] == [
        ("2026-05-01", 2),
        ("2026-05-01", 1),
        ("2026-05-02", 2),
        ("2026-05-02", 1),
    ]
    assert [i["point"] for i in messages[0].document["items"]] == ["E0", "E1"]


@pytest.mark.parametrize(
    ("figure", "message"),
    [
        (fig("W", "fresh_water", 1.0, "t"), "nm-v1.yaml has no code for items.fresh_water"),
        (fig("W", "lpg", 1.0, "t"), "nm-v1.yaml has no code for items.lpg.day"),
        (fig("E", "electricity", 1.0, "m3"), "unit 'm3' is not a unit of electricity"),
        (fig("E", "electricity", float("nan"), "kWh"), "value nan is not a finite number"),
        (fig("E", "electricity", 1.0, "kWh", kind="month"), "kind 'month': one of interval, day"),
        (fig("E", "electricity", 1.0, "kWh", quality="good"), "quality 'good': one of missing"),
        (
            fig("E", "electricity", 1.0, "kWh", start=dt.datetime(2026, 5, 1)),
            "a time zone is required",
        ),
    ],
)
def test_bad_figures_are_named(figure: Figure, message: str) -> None:
    profile = load_profile("nm-v1")
    if figure.variety == "fresh_water":  # nm-v1 maps fresh water: drop it to test the refusal
        items = {k: v for k, v in profile.items.items() if k[0] != "fresh_water"}
        profile = export.Profile(**{**profile.__dict__, "items": items})
    with pytest.raises(ExportError, match=message.replace("(", r"\(").replace("^", r"\^")):
        build_messages(profile, "U1", [figure])


@pytest.mark.parametrize(
    ("flags", "estimated", "expected"),
    [
        (["no_data", "meter_not_verified"], 0.0, "missing"),
        (["incomplete", "estimated"], 1.0, "incomplete"),
        (["estimated", "meter_not_verified"], 1.0, "estimated"),
        ([], 3.0, "estimated"),
        (["edited", "meter_state_unknown"], 0.0, "edited"),
        (["meter_state_unknown", "rollover"], 0.0, "not_verified"),
        (["rollover", "meter_replaced", "spike"], 0.0, "ok"),
    ],
)
def test_quality_precedence(flags: list[str], estimated: float, expected: str) -> None:
    assert export.quality_of(flags, estimated=estimated, quantity=10.0) == expected


# ---------------------------------------------------------------- profile refusals


def _profile_copy(tmp_path: Path, name: str = "nm-v1") -> tuple[Path, dict[str, Any]]:
    for suffix in (".yaml", ".schema.json"):
        shutil.copy(export.PROFILE_DIR / f"{name}{suffix}", tmp_path / f"{name}{suffix}")
    path = tmp_path / f"{name}.yaml"
    return path, yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(colour="red"), "nm-v1.yaml: (top level).colour: unknown key"),
        (lambda d: d.pop("schema_version"), "nm-v1.yaml: schema_version: missing"),
        (lambda d: d["items"]["electricity"]["day"].pop("code"),
         "nm-v1.yaml: items.electricity.day.code: missing"),
        (lambda d: d["items"]["electricity"]["day"].update(code=101),
         "nm-v1.yaml: items.electricity.day.code: a non-empty string is required, got int "
         "(quote codes"),
        (lambda d: d["items"]["electricity"]["day"].update(colour=1),
         "nm-v1.yaml: items.electricity.day.colour: unknown key"),
        (lambda d: d["items"]["electricity"]["day"].update(unit="t"),
         "nm-v1.yaml: items.electricity.day.unit: 't' is not a unit of electricity"),
        (lambda d: d["items"]["electricity"].update(month={"code": "X", "unit": "kWh"}),
         "nm-v1.yaml: items.electricity.month: unknown key; allowed: day, interval"),
        (lambda d: d["items"].update(plutonium={"day": {"code": "X", "unit": "kg"}}),
         "nm-v1.yaml: items.plutonium: unknown key"),
        (lambda d: d["items"]["coke"]["day"].update(code="NM-4100-D"),
         "nm-v1.yaml: items.coke.day.code: 'NM-4100-D' is also the code of items.electricity.day"),
        (lambda d: d["envelope"].pop("message_id"), "nm-v1.yaml: envelope.message_id: missing"),
        (lambda d: d["envelope"].update(items="data items"),
         "nm-v1.yaml: envelope.items: 'data items' is not a plain field name"),
        (lambda d: d["quality"].pop("estimated"), "nm-v1.yaml: quality.estimated: missing"),
        (lambda d: d.update(period_label="end"), "nm-v1.yaml: period_label: one of start"),
        (lambda d: d.update(profile="nm-v2"),
         "nm-v1.yaml: profile: 'nm-v2' differs from the file name 'nm-v1'"),
        (lambda d: d.update(schema="missing.json"),
         "nm-v1.yaml: schema: 'missing.json': no such file next to the profile"),
        (lambda d: d["ack"].clear(), "nm-v1.yaml: ack: echo_field or status_field is required"),
        (lambda d: d["items"]["coke"]["day"].update(code="NM-{meter}-D"),
         "nm-v1.yaml: items.coke.day.code: 'NM-{meter}-D': placeholder {meter} is not one of {user}"),
        (lambda d: d["items"]["coke"]["day"].update(code="NM-{point!r}"),
         "nm-v1.yaml: items.coke.day.code: 'NM-{point!r}': placeholder {point} is not one of"),
        (lambda d: d["items"]["coke"]["day"].update(code="NM-{point"),
         "nm-v1.yaml: items.coke.day.code: 'NM-{point': expected '}' before end of string"),
        # field names that the shipped schema does not know: refused when loaded
        (lambda d: d["item_fields"].update(value="val"),
         "nm-v1.yaml: schema: a message of this profile does not satisfy"),
    ],
)  # fmt: skip
def test_bad_profile_names_file_and_key(tmp_path: Path, change: Any, message: str) -> None:
    path, data = _profile_copy(tmp_path)
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(ExportError) as caught:
        load_profile(str(path))
    assert str(caught.value).startswith(message), str(caught.value)


def test_a_profile_file_by_path_and_unknown_names(tmp_path: Path) -> None:
    path, _ = _profile_copy(tmp_path, "generic-v1")
    assert load_profile(str(path)).name == "generic-v1"
    with pytest.raises(ExportError, match="profile 'sh-v1': no such profile; shipped: generic"):
        load_profile("sh-v1")
    with pytest.raises(ExportError, match="neither a shipped profile name nor a YAML file"):
        load_profile(str(tmp_path / "none.yaml"))


# ---------------------------------------------------------------- JSON Schema


def _nm_document() -> dict[str, Any]:
    (message,) = build_messages(
        load_profile("nm-v1"), "NM-ALU-01", [fig("E", "electricity", 5.0, "kWh")]
    )
    return message.document


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: None,
        lambda d: d.pop("msgId"),
        lambda d: d.update(version="NM-2.0"),
        lambda d: d.update(dataCount=0),
        lambda d: d.update(dataCount=True),
        lambda d: d.update(extra=1),
        lambda d: d["data"][0].update(statTime="2026-05-01"),
        lambda d: d["data"][0].update(dataValue="5"),
        lambda d: d["data"][0].update(dataQuality="7"),
        lambda d: d.update(data=[]),
    ],
)
def test_builtin_check_agrees_with_a_json_schema_library(damage: Any) -> None:
    schema = json.loads((export.PROFILE_DIR / "nm-v1.schema.json").read_text(encoding="utf-8"))
    document = _nm_document()
    damage(document)
    library = jsonschema_rs.validator_for(schema).is_valid(document)
    assert (export_schema.structural_errors(document, schema) == []) is library
    assert (export_schema.schema_errors(document, schema) == []) is library


def test_builtin_check_names_the_path() -> None:
    schema = json.loads((export.PROFILE_DIR / "nm-v1.schema.json").read_text(encoding="utf-8"))
    document = _nm_document()
    document["data"][0]["dataQuality"] = "7"
    assert export_schema.structural_errors(document, schema) == [
        "/data/0/dataQuality: '7' is not one of ['0', '2', '3', '4', '5', '9']"
    ]


# ---------------------------------------------------------------- delivery


def test_post_acknowledged_and_headers() -> None:
    profile = load_profile("nm-v1")
    (message,) = build_messages(profile, "NM-ALU-01", [fig("E", "electricity", 5.0, "kWh")])
    with Platform("msgId", "nm") as platform:
        outcome = export.post(profile, platform.url, message.message_id, message.body, token="t0k")
    assert outcome.acknowledged and outcome.status == 200 and outcome.error == ""
    assert platform.received == [message.document]
    headers = platform.headers[0]
    assert headers["Authorization"] == "Bearer t0k"
    assert headers["Idempotency-Key"] == message.message_id
    assert headers["Content-Type"] == "application/json; charset=utf-8"


def test_post_failures_are_outcomes_not_exceptions() -> None:
    profile = load_profile("generic-v1")
    (message,) = build_messages(profile, "U1", [fig("E", "electricity", 5.0, "kWh")])
    mid, body = message.message_id, message.body
    with Platform() as platform:
        platform.fail_next = 1
        busy = export.post(profile, platform.url, mid, body)
        assert not busy.acknowledged and busy.status == 503
        assert busy.error.startswith("HTTP 503")
        platform.answer = "no-ack"
        silent = export.post(profile, platform.url, mid, body)
        assert not silent.acknowledged and silent.status == 200
        assert "the response's 'ack' is None, not the message id" in silent.error
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    down = export.post(profile, f"http://127.0.0.1:{port}/x", mid, body, timeout=5)
    assert not down.acknowledged and down.status is None
    assert down.error.startswith(f"cannot reach http://127.0.0.1:{port}/x")


def test_endpoint_must_be_http_or_https() -> None:
    for url in ("file:///etc/passwd", "ftp://example.invalid/", "https://", "example.invalid"):
        with pytest.raises(ExportError, match="an https:// \\(or http://\\) URL with a host"):
            export.check_endpoint(url)
    assert export.check_endpoint("https://platform.example.invalid/upload")
