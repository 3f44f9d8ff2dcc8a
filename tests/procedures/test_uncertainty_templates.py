"""Each shipped model template, once filled, is a valid model file of jiliang.uncertainty."""

import math

import pytest

from jiliang.procedures import get_procedure, render_uncertainty_model
from jiliang.uncertainty import evaluate_dict

VALUES = {
    "JJG 539-2016": {"I": "10005", "e": "5", "dL": "2.5", "load": "10000", "mpe_ref": "0.5"},
    "JJG 99-2022": {
        "m_cr": "1000000.1",
        "u_m_cr": "0.5",
        "dm_c_observations": [0.12, 0.15, 0.11, 0.14, 0.13],
        "buoyancy_halfwidth": "0.05",
    },
    "JJG 596-2012": {"gamma_observations": [0.12, 0.15, 0.11], "reference_mpe": "0.05"},
}


@pytest.mark.parametrize("code", sorted(VALUES))
def test_template_runs_in_the_uncertainty_engine(code: str) -> None:
    model = render_uncertainty_model(get_procedure(code), VALUES[code])
    evaluation = evaluate_dict(model, source=code)
    assert len(evaluation.gum.results) == 1
    assert evaluation.gum.results[0].u > 0


def test_class_iii_template_gives_the_gum_combination() -> None:
    # By hand (OIML R 76-1 A.4.4.3: P = I + e/2 - ΔL; GUM 4.3.7: rectangular ±a has
    # u = a/√3; 5.1.2: sum of squares, sensitivities e and -1): E = 10005 + 2.5 - 2.5 - 10000
    # = 5 g, u² = (0.05·5)²/3 + 0.5²/3 g².
    model = render_uncertainty_model(get_procedure("JJG 539-2016"), VALUES["JJG 539-2016"])
    result = evaluate_dict(model, source="class III").gum.results[0]
    assert result.value == pytest.approx(5.0, abs=1e-9)
    assert result.u == pytest.approx(math.sqrt((0.25**2 + 0.5**2) / 3), rel=1e-12)
    assert result.unit == "g"
