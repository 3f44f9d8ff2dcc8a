"""Procedures name their decision rule; verification (检定) defaults to JJF 1094-2002 5.3."""

from pathlib import Path

import pytest
import yaml

from jiliang.conformity import RuleKind, Statement, decide
from jiliang.procedures import (
    ProcedureError,
    decision_rule,
    get_procedure,
    mpe_at,
    parse_procedure,
    tolerance,
)

DATA = Path(__file__).resolve().parents[2] / "src" / "jiliang" / "data" / "procedures"


def _data(name: str) -> dict:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


def test_every_shipped_file_names_its_rule() -> None:
    for path in sorted(DATA.glob("*.yaml")):
        assert "decision_rule" in yaml.safe_load(path.read_text(encoding="utf-8")), path.name
    assert decision_rule(get_procedure("JJG 539-2016")).kind is RuleKind.JJF_1094
    assert decision_rule(get_procedure("JJG 596-2012")).kind is RuleKind.JJF_1094
    # OIML R 111-1 5.3.1 names guarded acceptance explicitly: the ILAC-G8 rule stays.
    assert decision_rule(get_procedure("JJG 99-2022")).kind is RuleKind.GUARDED_ACCEPTANCE


def test_a_verification_file_without_a_rule_follows_jjf_1094() -> None:
    data = _data("jjg539-2016-class-iii.yaml")
    del data["decision_rule"]
    procedure = parse_procedure(data, "lab.yaml")
    assert procedure.decision_rule.kind == "jjf1094"
    assert procedure.decision_rule.clause == "JJF 1094-2002 5.3"
    assert decision_rule(procedure).kind is RuleKind.JJF_1094


def test_a_calibration_file_must_name_its_rule() -> None:
    data = _data("jjg539-2016-class-iii.yaml")
    data["kind"] = "calibration"
    del data["decision_rule"]
    with pytest.raises(ProcedureError, match=r"decision_rule: required key is missing"):
        parse_procedure(data, "lab.yaml")


def test_jjf_1094_takes_no_guard_band_factor() -> None:
    data = _data("jjg539-2016-class-iii.yaml")
    data["decision_rule"] = {"kind": "jjf1094", "guard_band_factor": 2, "clause": "x"}
    with pytest.raises(ProcedureError, match=r"JJF 1094 has no factor"):
        parse_procedure(data, "lab.yaml")


def test_jjg_539_u_above_the_mpe_is_undecided_not_pass() -> None:
    # e = 5 g, load 2.5 kg = 500 e: MPE 0.5 e = 2.5 g (R 76-1 Table 6). U = 2.9 g > 2.5 g/3,
    # so by hand: pass needs |E| <= 2.5 - 2.9 < 0 (never), fail needs |E| >= 5.4 g.
    scale = get_procedure("JJG 539-2016")
    mpe = mpe_at(scale, {"load": 2500}, {"Max": 30000, "e": 5}, "III")
    assert mpe.value == 2.5
    rule = decision_rule(scale)
    assert decide("1.2", "2.9", tolerance(mpe), rule).statement is Statement.UNDECIDED
    assert decide("-2.5", "2.9", tolerance(mpe), rule).statement is Statement.UNDECIDED
    assert decide("5.4", "2.9", tolerance(mpe), rule).statement is Statement.FAIL
    # With U = 0.8 g (<= 2.5/3 = 0.833 g) the uncertainty is ignored: 2.5 g passes.
    assert decide("2.5", "0.8", tolerance(mpe), rule).statement is Statement.PASS
