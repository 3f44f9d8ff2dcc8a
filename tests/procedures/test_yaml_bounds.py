"""YAML that costs more than its size (issue 12 §2): refused with the file and line, quickly.

A 314-byte procedure file of nested aliases took 79 s of server CPU and a 337-byte model file
ran past 60 s: walking the parsed data (or the nodes, for line numbers) visits each alias
again, 9**k times at depth k. Aliases, anchors, merge keys, foreign tags, deep nesting and
over-long numbers are now refused by jiliang.yamlsafe, the one reader of users' YAML.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from jiliang import yamlsafe
from jiliang.procedures import ProcedureError, load_procedure, parse_procedure_text
from jiliang.uncertainty import ModelFileError, load_model

DATA = Path(__file__).resolve().parents[2] / "src" / "jiliang" / "data" / "procedures"
SCALE_FILE = DATA / "jjg539-2016-class-iii.yaml"


def laughs(levels: int) -> str:
    """The billion-laughs shape: level k is a list of nine aliases of level k-1."""
    lines = ["a: &a [x,x,x,x,x,x,x,x,x]"]
    for k in range(1, levels + 1):
        this, last = chr(ord("a") + k), chr(ord("a") + k - 1)
        lines.append(f"{this}: &{this} [{','.join([f'*{last}'] * 9)}]")
    return "\n".join(lines) + "\n"


def test_the_alias_bomb_procedure_is_refused_at_its_line_in_a_blink() -> None:
    text = "code: JJG 0-0000\n" + laughs(9)  # 9**10 strings once expanded
    assert len(text) < 400
    start = time.perf_counter()
    with pytest.raises(ProcedureError) as caught:
        parse_procedure_text(text, "bomb.yaml")
    assert time.perf_counter() - start < 1.0
    assert str(caught.value).startswith("bomb.yaml: line 2, column 4: YAML error: anchors (&a)")


def test_the_alias_bomb_model_file_is_refused_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text("title: t\noutputs:\n  y: a\n" + laughs(9), encoding="utf-8")
    start = time.perf_counter()
    with pytest.raises(ModelFileError) as caught:
        load_model(path)
    assert time.perf_counter() - start < 1.0
    assert caught.value.line == 4
    assert "anchors (&a) are not allowed" in str(caught.value)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize(
    ("text", "line", "why"),
    [
        ("a: 1\nb: *x\n", 2, "aliases (*x) are not allowed"),
        ("a: &x 1\nb: *x\n", 1, "anchors (&x) are not allowed"),
        ("a: {b: 1}\nc:\n  <<: {d: 2}\n", 3, "merge keys (<<) are not allowed"),
        ("a: !!python/object:os.system ls\n", 1, "'tag:yaml.org,2002:python/object:os.system'"),
        ("a: !custom 1\n", 1, "the tag '!custom' is not allowed"),
        ("a: !!set {b}\n", 1, "the tag 'tag:yaml.org,2002:set' is not allowed"),
        ("a: " + "[" * 60 + "]" * 60 + "\n", 1, "nested more than 50 levels deep"),
        ("a:\n" + "".join("  " * k + "- \n" for k in range(1, 60)), 51, "nested more than"),
        ("a: " + "9" * 5000 + "\n", 1, "too long a number"),
        ("a: 2026-02-30\n", 1, "is not a valid date"),
    ],
)
def test_refused_constructs_name_their_line(text: str, line: int, why: str) -> None:
    with pytest.raises(yaml.MarkedYAMLError) as caught:
        yamlsafe.load(text)
    assert why in str(caught.value)
    mark = caught.value.problem_mark
    assert mark is not None and mark.line + 1 == line


def test_deep_nesting_is_refused_not_a_recursion_error() -> None:
    with pytest.raises(yaml.MarkedYAMLError, match="nested more than"):
        yamlsafe.load("[" * 100_000)


def test_too_many_values_and_too_long_a_text() -> None:
    with pytest.raises(yaml.MarkedYAMLError, match="more than 100,000 values"):
        yamlsafe.load("[" + "1," * 100_001 + "]")
    with pytest.raises(yaml.YAMLError, match="the limit is 1,000,000"):
        yamlsafe.load("a: '" + "x" * 1_000_000 + "'")


def test_plain_data_and_explicit_core_tags_still_load() -> None:
    text = "a: !!str 1\nb: [1, 2.5, true, null, 2026-02-28]\nc: {d: e}\n"
    assert yamlsafe.load(text) == {
        "a": "1",
        "b": [1, 2.5, True, None, yamlsafe.load("2026-02-28")],
        "c": {"d": "e"},
    }
    data, node = yamlsafe.load_with_nodes(text)
    assert data["c"] == {"d": "e"} and node is not None and node.start_mark.line == 0


def test_every_shipped_procedure_still_loads() -> None:
    for path in sorted(DATA.glob("*.yaml")):
        assert load_procedure(path).code


def test_procedure_errors_still_name_their_line() -> None:
    text = SCALE_FILE.read_text(encoding="utf-8").replace(
        "  zh: 数字指示秤检定规程", "  zh: 1\n  de: Waage"
    )
    with pytest.raises(ProcedureError) as caught:
        parse_procedure_text(text, "lab.yaml")
    assert (caught.value.line, caught.value.path) == (7, "title.de")


YAML_TOKENS = ["code", "format", "title", ":", " ", "\n", "  ", "- ", "[", "]", "{", "}", ",",
               "&x ", "*x", "<<", "!!str ", "!!python/object:os.system ", "!t ", "'", '"', "#",
               "1e999", "9" * 5000, "2026-02-30", "~", "? ", "|", ">", "\t", "\x00", "%YAML 1.1\n",
               "---\n", "...\n"]  # fmt: skip


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(YAML_TOKENS), max_size=40))
def test_procedure_text_raises_only_procedure_errors(tokens: list[str]) -> None:
    """Whatever YAML-like text is uploaded, the parser answers with a ProcedureError."""
    text = SCALE_FILE.read_text(encoding="utf-8")[:400] + "".join(tokens)
    with contextlib.suppress(ProcedureError):
        parse_procedure_text(text, "fuzz.yaml")


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.text(max_size=200))
def test_random_procedure_text_raises_only_procedure_errors(text: str) -> None:
    with contextlib.suppress(ProcedureError):
        parse_procedure_text(text, "fuzz.yaml")


def test_a_file_past_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as out:  # sparse: nothing is written to disk
        out.truncate(yamlsafe.MAX_FILE_BYTES + 1)
    with pytest.raises(ProcedureError, match=f"the limit is {yamlsafe.MAX_FILE_BYTES:,}"):
        load_procedure(path)
    with pytest.raises(ModelFileError, match=f"the limit is {yamlsafe.MAX_FILE_BYTES:,}"):
        load_model(path)


def test_a_file_too_large_is_refused_before_it_is_read(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as f:  # sparse: nothing is written but its size
        f.truncate(yamlsafe.MAX_FILE_BYTES + 1)
    with pytest.raises(yamlsafe.FileRefused, match=r"bytes; the limit is 4,000,000"):
        yamlsafe.read_text(big)
    with pytest.raises(yamlsafe.FileRefused, match="no such file"):
        yamlsafe.read_text(tmp_path / "absent.yaml")
    (tmp_path / "latin1.yaml").write_bytes("a: caf\xe9\n".encode("latin-1"))
    with pytest.raises(yamlsafe.FileRefused, match="not UTF-8"):
        yamlsafe.read_text(tmp_path / "latin1.yaml")


def test_an_oversized_export_profile_is_refused_naming_the_file(tmp_path: Path) -> None:
    from jiliang.energy import EnergyError
    from jiliang.energy.export import load_profile

    big = tmp_path / "province.yaml"
    with big.open("wb") as f:
        f.truncate(yamlsafe.MAX_FILE_BYTES + 1)
    with pytest.raises(EnergyError, match=r"province\.yaml: the file is 4,000,001 bytes"):
        load_profile(str(big))
