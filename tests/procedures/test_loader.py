"""Loading and validating procedure files: precise errors (file, key path, reason)."""

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from jiliang.conformity import RuleKind, Statement, decide
from jiliang.procedures import (
    ProcedureError,
    decision_rule,
    generate_test_points,
    get_procedure,
    load_procedure,
    mpe_at,
    parse_procedure,
    render_uncertainty_model,
    standard_requirements,
    tolerance,
)

DATA = Path(__file__).resolve().parents[2] / "src" / "jiliang" / "data" / "procedures"
SCALE_FILE = DATA / "jjg539-2016-class-iii.yaml"


def _scale_data() -> dict:
    return yaml.safe_load(SCALE_FILE.read_text(encoding="utf-8"))


def _error(data: object) -> ProcedureError:
    with pytest.raises(ProcedureError) as info:
        parse_procedure(data, "lab.yaml")
    return info.value


def test_every_shipped_file_loads_from_its_path() -> None:
    for path in sorted(DATA.glob("*.yaml")):
        procedure = load_procedure(path)
        assert procedure.origin == str(path)


def test_missing_key_is_named() -> None:
    data = _scale_data()
    del data["verification_period"]
    error = _error(data)
    assert str(error) == "lab.yaml: verification_period: required key is missing"
    assert (error.origin, error.path) == ("lab.yaml", "verification_period")


def test_unknown_key_is_named_with_the_allowed_ones() -> None:
    data = _scale_data()
    data["mpe"]["rows"][1]["mpee"] = {}
    assert str(_error(data)) == "lab.yaml: mpe.rows[1].mpee: unknown key (allowed: mpe, when)"


def test_unknown_parameter_in_an_amount() -> None:
    data = _scale_data()
    data["mpe"]["rows"][2]["mpe"]["III"] = "1.5 d"
    assert str(_error(data)) == (
        "lab.yaml: mpe.rows[2].mpe.III: unknown instrument parameter 'd' (declared: Max, e)"
    )


def test_bad_amount_and_bad_class() -> None:
    data = _scale_data()
    data["mpe"]["rows"][0]["mpe"]["III"] = "half of e"
    assert "mpe.rows[0].mpe.III: 'half of e' is not 'number parameter'" in str(_error(data))
    data = _scale_data()
    data["mpe"]["rows"][0]["mpe"] = {"IIII": "0.5 e"}
    assert "mpe.rows[0].mpe.IIII: not a declared accuracy class (III)" in str(_error(data))


def test_unit_mismatch_between_parameter_and_variable() -> None:
    data = _scale_data()
    data["instrument_parameters"]["e"]["unit"] = "kg"
    assert "parameter 'e' is in kg, expected g" in str(_error(data))


def test_wrong_types_and_values() -> None:
    data = _scale_data()
    data["verification_period"]["months"] = "a year"
    assert "verification_period.months: must be a positive whole number" in str(_error(data))
    data = _scale_data()
    data["kind"] = "inspection"
    assert "kind: must be 'verification' (检定) or 'calibration' (校准)" in str(_error(data))
    data = _scale_data()
    data["decision_rule"] = {"kind": "coin_toss", "clause": "x"}
    assert "decision_rule.kind: must be one of" in str(_error(data))
    data = _scale_data()
    data["required_standards"][0]["max_fraction_of_mpe"] = "3"
    assert "required_standards[0].max_fraction_of_mpe: must be in (0, 1]" in str(_error(data))
    data = _scale_data()
    data["uncertainty_model"]["inputs"]["I"] = {"value": 1}
    assert "uncertainty_model.inputs.I: give exactly one of" in str(_error(data))
    assert "expected a mapping, got list" in str(_error([1, 2]))
    data = _scale_data()
    data["format"] = "jiliang-procedure/0"
    assert "format: expected 'jiliang-procedure/1'" in str(_error(data))


def test_table_row_with_a_missing_cell() -> None:
    data = yaml.safe_load((DATA / "jjg99-2022-weights.yaml").read_text(encoding="utf-8"))
    data["mpe"]["rows"][11] = data["mpe"]["rows"][11][:-1]
    assert str(_error(data)) == (
        "lab.yaml: mpe.rows[11]: expected 10 cells (key and one per column), got 9"
    )


def test_yaml_syntax_error_gives_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: jiliang-procedure/1\ncode: [JJG\n", encoding="utf-8")
    with pytest.raises(ProcedureError, match=r"bad.yaml: line 3, column 1: YAML syntax error"):
        load_procedure(bad)
    with pytest.raises(ProcedureError, match="cannot read file"):
        load_procedure(tmp_path / "missing.yaml")


def test_yaml_tags_are_not_executed(tmp_path: Path) -> None:
    evil = tmp_path / "evil.yaml"
    evil.write_text("!!python/object/apply:os.system ['true']\n", encoding="utf-8")
    with pytest.raises(ProcedureError, match="YAML"):
        load_procedure(evil)


def test_lab_can_load_its_own_file(tmp_path: Path) -> None:
    data = _scale_data()
    data["code"] = "LAB-SOP-12"
    data["kind"] = "calibration"
    own = tmp_path / "own.yaml"
    own.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    procedure = load_procedure(own)
    assert (procedure.code, procedure.kind) == ("LAB-SOP-12", "calibration")


def test_class_iii_test_points_for_two_instruments() -> None:
    # R 76-1 A.4.4.1: Min (20 e for class III, R 76-1 Table 3), the MPE change points, Max.
    scale = get_procedure("JJG 539-2016")
    points = generate_test_points(scale, {"Max": 30000, "e": 5})
    assert [(p.label, p.values["load"]) for p in points] == [
        ("Min", Decimal(100)),
        ("500 e", Decimal(2500)),
        ("2000 e", Decimal(10000)),
        ("1/2 Max", Decimal(15000)),
        ("Max", Decimal(30000)),
    ]
    small = generate_test_points(scale, {"Max": 1000, "e": 1})  # n = 1000: no 2000 e point
    assert [(p.label, p.values["load"]) for p in small] == [
        ("Min", Decimal(20)),
        ("500 e", Decimal(500)),
        ("Max", Decimal(1000)),
    ]


def test_instrument_parameters_are_checked() -> None:
    scale = get_procedure("JJG 539-2016")
    with pytest.raises(ProcedureError, match=r"instrument for JJG 539-2016: e: missing"):
        generate_test_points(scale, {"Max": 30000})
    with pytest.raises(ProcedureError, match=r"d: not a parameter of JJG 539-2016"):
        generate_test_points(scale, {"Max": 30000, "e": 5, "d": 1})
    with pytest.raises(ProcedureError, match=r"e: must be positive"):
        generate_test_points(scale, {"Max": 30000, "e": 0})
    with pytest.raises(ProcedureError, match=r"accuracy_class: 'II' is not a class"):
        mpe_at(scale, {"load": 100}, {"Max": 30000, "e": 5}, "II")


def test_weights_use_guarded_acceptance_of_r111_5_3_1() -> None:
    # R 111-1:2004 5.3.1: |mc - m0| <= δm - U. F1 1 kg: δm = 5 mg; U = 1.5 mg -> limit 3.5 mg.
    weights = get_procedure("JJG 99-2022")
    rule = decision_rule(weights)
    assert rule.kind is RuleKind.GUARDED_ACCEPTANCE
    mpe = mpe_at(weights, {"nominal": 1000}, {"m0": 1000}, "F1")
    assert decide("3.5", "1.5", tolerance(mpe), rule).statement is Statement.PASS
    assert decide("3.6", "1.5", tolerance(mpe), rule).statement is Statement.FAIL


def test_render_uncertainty_model_substitutes_only_whole_placeholders() -> None:
    scale = get_procedure("JJG 539-2016")
    model = render_uncertainty_model(
        scale, {"I": "10005", "e": "5", "dL": "2.5", "load": "10000", "mpe_ref": "0.5"}
    )
    assert model["outputs"] == {"E": "I + 0.5*e - dL + r_P*e - m_ref"}
    assert model["inputs"]["m_ref"]["value"] == "10000"
    assert model["constants"]["I"]["value"] == "10005"
    assert "${" in str(scale.uncertainty_model)  # the template itself is unchanged
    with pytest.raises(ProcedureError, match=r"uncertainty_model.inputs.m_ref.halfwidth: no value"):
        render_uncertainty_model(scale, {"I": "1", "e": "5", "dL": "2.5", "load": "1"})


def test_file_errors_carry_the_line(tmp_path: Path) -> None:
    text = SCALE_FILE.read_text(encoding="utf-8")
    broken = text.replace('mpe: {"III": "1.5 e"}', 'mpe: {"III": "1.5 d"}')
    assert broken != text
    lab = tmp_path / "lab.yaml"
    lab.write_text(broken, encoding="utf-8")
    line = 1 + broken.splitlines().index(
        '    - {when: {load: {above: "2000 e", to: "10000 e"}}, mpe: {"III": "1.5 d"}}'
    )
    with pytest.raises(ProcedureError) as info:
        load_procedure(lab)
    assert info.value.line == line
    assert str(info.value) == (
        f"{lab}, line {line}: mpe.rows[2].mpe.III: unknown instrument parameter 'd'"
        " (declared: Max, e)"
    )


def test_required_standard_accuracy_is_one_third_of_the_mpe() -> None:
    # OIML R 76-1:2006 3.7.1: standard weights' error <= 1/3 of the MPE at the load. Class III,
    # e = 5 g, 10 kg: MPE 5 g -> 5/3 g; the weights must cover Min (20 e = 100 g) to Max.
    scale = get_procedure("JJG 539-2016")
    (need,) = standard_requirements(scale, {"load": 10000}, {"Max": 30000, "e": 5}, "III")
    assert need.max_error == Decimal(5) / Decimal(3)
    assert (need.unit, need.relative) == ("g", False)
    assert need.ranges == {"load": (Decimal(100), Decimal(30000))}
    # OIML R 111-1:2004 5.2: U (k = 2) <= 1/3 δm; F1 1 kg: δm = 5 mg -> 5/3 mg.
    weights = get_procedure("JJG 99-2022")
    (need,) = standard_requirements(weights, {"nominal": 1000}, {"m0": 1000}, "F1")
    assert need.max_error == Decimal("5.0") / Decimal(3)
    assert need.unit == "mg"
