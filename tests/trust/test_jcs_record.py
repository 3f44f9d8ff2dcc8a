"""Canonical record serialisation: RFC 8785 (JCS) examples for our integer/string subset."""

from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jiliang.trust import LogRecord, RecordError, canonical_json, parse_json_strict


def test_rfc8785_section_3_2_3_property_sorting() -> None:
    # RFC 8785 section 3.2.3: properties sorted by UTF-16 code units.
    value = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    expected = (
        '{"\\r":"Carriage Return","1":"One","\u0080":"Control",'
        '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",'
        '"\U0001f600":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}'
    )
    assert canonical_json(value) == expected.encode("utf-8")


def test_rfc8785_string_escaping_example() -> None:
    # RFC 8785 section 3.2.2.2 / Appendix (the "string"/"escaping" member of the main example):
    # input "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/" -> "€$\u000f\nA'B\"\\\\\"/"
    parsed = parse_json_strict('"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/"')
    assert canonical_json(parsed) == '"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"'.encode()


def test_rfc8785_literals() -> None:
    # RFC 8785 main example: "literals": [null, true, false]
    assert canonical_json({"literals": [None, True, False]}) == b'{"literals":[null,true,false]}'


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"x": 1.5}, "float"),
        ({"x": 2**53}, "2\\*\\*53"),
        ({1: "a"}, "not a string"),
        ({"x": b"raw"}, "bytes"),
        ({"x": "\ud800"}, "surrogate"),
    ],
)
def test_values_outside_the_subset_are_refused(value: object, message: str) -> None:
    with pytest.raises(RecordError, match=message):
        canonical_json(value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": 1, "a": 2}', "duplicate"),
        ('{"a": 1.0}', "decimals as strings"),
        ('{"a": NaN}', "NaN"),
        ('{"a": ', "line 1"),
    ],
)
def test_strict_parser(text: str, message: str) -> None:
    with pytest.raises(RecordError, match=message):
        parse_json_strict(text)


def test_record_leaf_hash_is_sha256_of_0x00_and_canonical_bytes() -> None:
    record = LogRecord("certificate.issued", 1, {"number": "JL-2026-0001", "value": "10.000 02"})
    data = record.canonical_bytes()
    assert data == (
        b'{"body":{"number":"JL-2026-0001","value":"10.000 02"},'
        b'"record_type":"certificate.issued","schema_version":1}'
    )
    # RFC 9162 2.1.1: leaf hash = SHA-256(0x00 || data), computed here with hashlib directly.
    assert record.leaf_hash() == hashlib.sha256(b"\x00" + data).digest()


def test_record_from_any_json_layout_gives_same_leaf() -> None:
    pretty = """{
      "schema_version": 1,
      "record_type": "certificate.issued",
      "body": {"value": "10.000 02", "number": "JL-2026-0001"}
    }"""
    a = LogRecord.from_json(pretty)
    b = LogRecord("certificate.issued", 1, {"number": "JL-2026-0001", "value": "10.000 02"})
    assert a.leaf_hash() == b.leaf_hash()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"record_type": "a.b", "schema_version": 1}', "lacks field"),
        ('{"record_type": "a.b", "schema_version": 1, "body": {}, "x": 1}', "unknown field"),
        ('{"record_type": "Bad", "schema_version": 1, "body": {}}', "record_type"),
        ('{"record_type": "a.b", "schema_version": 0, "body": {}}', "schema_version"),
        ('{"record_type": "a.b", "schema_version": true, "body": {}}', "schema_version"),
        ('{"record_type": "a.b", "schema_version": 1, "body": []}', "body"),
        ("[]", "JSON object"),
    ],
)
def test_bad_records_say_which_field(text: str, message: str) -> None:
    with pytest.raises(RecordError, match=message):
        LogRecord.from_json(text)


_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.text(st.characters(exclude_categories=("Cs",))),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(st.characters(exclude_categories=("Cs",))), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(value=_json_values)
def test_canonical_json_is_valid_json_and_a_fixed_point(value: object) -> None:
    data = canonical_json(value)
    parsed = json.loads(data.decode("utf-8"))
    assert parsed == value
    assert canonical_json(parsed) == data


@settings(max_examples=100, deadline=None)
@given(keys=st.lists(st.text(st.characters(exclude_categories=("Cs",)), max_size=3), max_size=6))
def test_member_order_is_utf16_code_unit_order(keys: list[str]) -> None:
    # RFC 8785 3.2.3: compare names as arrays of UTF-16 code units.
    value = dict.fromkeys(keys, 0)
    order = list(json.loads(canonical_json(value).decode("utf-8")))
    assert order == sorted(set(keys), key=lambda k: list(k.encode("utf-16-be")))


_ascii_keyed = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.text(st.characters(exclude_categories=("Cs",))),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.text(st.characters(max_codepoint=127), max_size=5), children, max_size=4
        )
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(value=_ascii_keyed)
def test_fast_path_equals_the_explicit_encoder(value: object) -> None:
    """canonical_json hands plain values to json.dumps; its bytes must be the encoder's."""
    from jiliang.trust._jcs import _encode

    out: list[str] = []
    _encode(value, "$", 0, out)
    assert canonical_json(value) == "".join(out).encode("utf-8")


def test_fast_path_still_refuses_what_the_subset_refuses() -> None:
    with pytest.raises(RecordError, match="lone surrogate"):
        canonical_json({"a": ["ok", "\ud800"]})
    with pytest.raises(RecordError, match="float"):
        canonical_json({"a": [1, 2.5]})
    with pytest.raises(RecordError, match="outside"):
        canonical_json({"a": 2**53})
    with pytest.raises(RecordError, match="not a string"):
        canonical_json({1: "x"})
    # control characters are escaped the ECMAScript way on both paths
    assert (
        canonical_json({"k": "\x00\x1f\u007f\u2028"}) == b'{"k":"\\u0000\\u001f\x7f\xe2\x80\xa8"}'
    )
