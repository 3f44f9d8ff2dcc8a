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
        "specific_risk",
    ]
    for name in jiliang.conformity.__all__:
        assert getattr(jiliang.conformity, name) is not None


def test_core_imports_no_django() -> None:
    import subprocess
    import sys

    code = "import sys, jiliang.conformity; assert 'django' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
