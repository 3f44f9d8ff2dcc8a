"""Pin the public API of jiliang.procedures (httpx style)."""

import jiliang.procedures


def test_exported_members() -> None:
    assert sorted(jiliang.procedures.__all__) == sorted(
        [
            "FORMAT",
            "Amount",
            "BandRow",
            "DecisionRuleSpec",
            "EnvironmentLimit",
            "LocalizedText",
            "Mpe",
            "MpeRule",
            "Parameter",
            "PointSpec",
            "Procedure",
            "ProcedureError",
            "Range",
            "RequiredStandard",
            "Source",
            "TestPlan",
            "TestPoint",
            "Variable",
            "VerificationPeriod",
            "builtin_procedures",
            "decision_rule",
            "get_procedure",
            "instrument_values",
            "load_procedure",
            "mpe_at",
            "parse_procedure",
            "parse_procedure_text",
            "render_uncertainty_model",
            "generate_test_points",
            "tolerance",
        ]
    )
    for name in jiliang.procedures.__all__:
        assert getattr(jiliang.procedures, name) is not None


def test_core_imports_no_django() -> None:
    import subprocess
    import sys

    code = "import sys, jiliang.procedures; assert 'django' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
