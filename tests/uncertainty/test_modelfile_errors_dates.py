"""An impossible date in a model file is a message with its line, not a traceback."""

from __future__ import annotations

import pytest

from jiliang.procedures import ProcedureError, parse_procedure_text
from jiliang.uncertainty import ModelFileError
from jiliang.uncertainty._modelfile import _parse_yaml


def test_impossible_date_in_a_model_file_names_the_line() -> None:
    text = "title: x\noutputs:\n  y: a\ninputs:\n  a: {value: 2026-02-30, u: 1}\n"
    with pytest.raises(ModelFileError, match=r"m\.yaml:5:") as caught:
        _parse_yaml(text, "m.yaml")
    assert "2026-02-30" in str(caught.value)


def test_impossible_date_in_a_procedure_file_names_the_line() -> None:
    text = "code: JJG 0-0000\nedition: 2026-02-30\n"
    with pytest.raises(ProcedureError, match="line 2"):
        parse_procedure_text(text, "p.yaml")
