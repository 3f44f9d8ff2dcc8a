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
            "StandardRequirement",
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
            "standard_requirements",
            "generate_test_points",
            "tolerance",
        ]
    )
    for name in jiliang.procedures.__all__:
        assert getattr(jiliang.procedures, name) is not None


def test_core_imports_no_django() -> None:
    """No module of the package imports Django (the import-time check is in tests/dcc)."""
    import ast
    from pathlib import Path

    import jiliang.procedures

    folder = Path(jiliang.procedures.__file__).parent
    for module in folder.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(n.split(".")[0] == "django" for n in names), module
