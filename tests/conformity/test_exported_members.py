"""Pin the public API of jiliang.conformity (httpx style)."""

import jiliang.conformity


def test_exported_members() -> None:
    assert sorted(jiliang.conformity.__all__) == [
        "ConformityError",
        "Decision",
        "DecisionRule",
        "GlobalRisk",
        "MpeCheck",
        "RuleKind",
        "Statement",
        "Tolerance",
        "check_mpe",
        "conformance_probability",
        "decide",
        "global_risk",
        "ratio_rule_met",
        "specific_risk",
    ]
    for name in jiliang.conformity.__all__:
        assert getattr(jiliang.conformity, name) is not None


def test_core_imports_no_django() -> None:
    """No module of the package imports Django (the import-time check is in tests/dcc)."""
    import ast
    from pathlib import Path

    import jiliang.conformity

    folder = Path(jiliang.conformity.__file__).parent
    for module in folder.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(n.split(".")[0] == "django" for n in names), module
