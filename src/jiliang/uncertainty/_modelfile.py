"""Model files (YAML) and dicts: the stable contract of ``jiliang uncertainty evaluate``.

Why: calibration procedures and outside users describe models as data. Every problem in a
file is reported with its line and key; nothing is evaluated from text except through the
safe expression parser, and YAML is read only with the safe loader.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from jiliang import yamlsafe
from jiliang.uncertainty import _distributions as D
from jiliang.uncertainty._errors import ModelFileError, UncertaintyError
from jiliang.uncertainty._gum import GumEvaluation, evaluate_gum
from jiliang.uncertainty._mc import (
    McEvaluation,
    Validation,
    evaluate_adaptive,
    evaluate_mc,
    jcgm101_constants,
    validate,
)
from jiliang.uncertainty._model import Input, Model, type_a
from jiliang.uncertainty._numeric import ARITHMETIC_ERRORS, arithmetic_reason
from jiliang.uncertainty._report import budget_json, budget_text, concise

__all__ = [
    "Evaluation",
    "evaluate",
    "evaluate_dict",
    "evaluate_file",
    "load_model",
    "model_from_dict",
]

Lines = dict[tuple[str, ...], int]
_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")

TOP_KEYS = {
    "title",
    "description",
    "probability",
    "outputs",
    "inputs",
    "correlations",
    "ensembles",
    "constants",
}
INPUT_KEYS = {
    "value",
    "u",
    "dof",
    "unit",
    "distribution",
    "halfwidth",
    "lower",
    "upper",
    "beta",
    "d",
    "observations",
    "scale",
    "shape",
    "mu",
    "sigma",
    "description",
}
DISTRIBUTIONS = {
    "normal",
    "t",
    "rectangular",
    "triangular",
    "trapezoidal",
    "curvilinear_trapezoid",
    "arcsine",
    "exponential",
    "gamma",
    "lognormal",
}


# --- line tracking ------------------------------------------------------------------------


def _record_lines(node: yaml.Node, path: tuple[str, ...], out: Lines, source: str) -> None:
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for k, v in node.value:
            key = str(k.value)
            if key in seen:
                raise ModelFileError(
                    "duplicate key",
                    source=source,
                    line=k.start_mark.line + 1,
                    key=".".join((*path, key)),
                )
            seen.add(key)
            out[(*path, key)] = k.start_mark.line + 1
            _record_lines(v, (*path, key), out, source)
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            _record_lines(v, (*path, str(i)), out, source)


def _parse_yaml(text: str, source: str) -> tuple[Any, Lines]:
    try:
        data, node = yamlsafe.load_with_nodes(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise ModelFileError(
            f"invalid YAML: {exc.problem or exc}", source=source, line=line
        ) from None
    except yaml.YAMLError as exc:
        raise ModelFileError(f"invalid YAML: {exc}", source=source) from None
    lines: Lines = {}
    if node is not None:
        _record_lines(node, (), lines, source)
    return data, lines


class _Ctx:
    def __init__(self, source: str, lines: Lines | None) -> None:
        self.source = source
        self.lines = lines or {}

    def err(self, path: tuple[str, ...], reason: str) -> ModelFileError:
        line = None
        p = path
        while p and line is None:
            line = self.lines.get(p)
            p = p[:-1]
        return ModelFileError(reason, source=self.source, line=line, key=".".join(path))

    def num(
        self, val: Any, path: tuple[str, ...], *, positive: bool = False, allow_inf: bool = False
    ) -> float:
        if isinstance(val, str) and _NUMBER.match(val.strip()):
            val = float(val)  # YAML 1.1 reads 2e-6 (no dot) as text
        if isinstance(val, bool) or not isinstance(val, (int, float)):
            if allow_inf and isinstance(val, str) and val.strip().lower() in ("inf", "infinity"):
                return math.inf
            raise self.err(path, f"must be a number, got {val!r}")
        try:
            f = float(val)
        except OverflowError:  # an integer past the float range, e.g. 10**400 in JSON
            raise self.err(path, "is beyond the range of a float (about 1.8e308)") from None
        if math.isnan(f) or (math.isinf(f) and not allow_inf):
            raise self.err(path, f"must be a finite number, got {val!r}")
        if positive and f <= 0:
            raise self.err(path, f"must be > 0, got {val!r}")
        return f


# --- dict -> model ------------------------------------------------------------------------


def _input(name: str, spec: Any, ctx: _Ctx) -> Input:
    path = ("inputs", name)
    if not isinstance(spec, Mapping):
        raise ctx.err(path, "an input is a mapping such as {value: 1.0, u: 0.1}")
    for k in spec:
        if k not in INPUT_KEYS:
            raise ctx.err(
                (*path, str(k)), f"unknown key (allowed: {', '.join(sorted(INPUT_KEYS))})"
            )
    unit = spec.get("unit")
    if unit is not None and not isinstance(unit, str):
        raise ctx.err((*path, "unit"), "must be text such as 'mm'")
    dof = (
        ctx.num(spec["dof"], (*path, "dof"), positive=True, allow_inf=True)
        if spec.get("dof") is not None
        else math.inf
    )

    def need(key: str, positive: bool = False) -> float:
        if key not in spec:
            raise ctx.err(path, f"missing key {key!r}")
        return ctx.num(spec[key], (*path, key), positive=positive)

    def half() -> tuple[float, float]:
        if "lower" in spec or "upper" in spec:
            lo, hi = need("lower"), need("upper")
            if hi <= lo:
                raise ctx.err((*path, "upper"), "upper must be greater than lower")
            # in decimal, so that [1.1, 1.3] has mid-point 1.2 exactly as written
            dlo, dhi = Decimal(repr(lo)), Decimal(repr(hi))
            return float((dlo + dhi) / 2), float((dhi - dlo) / 2)
        return need("value"), need("halfwidth", positive=True)

    try:
        if "observations" in spec:
            for k in ("value", "u", "distribution"):
                if k in spec:
                    raise ctx.err((*path, k), "not allowed together with observations")
            obs = spec["observations"]
            if not isinstance(obs, list) or len(obs) < 2:
                raise ctx.err((*path, "observations"), "a list of at least two numbers")
            vals = [ctx.num(x, (*path, "observations", str(i))) for i, x in enumerate(obs)]
            return type_a(vals, unit=unit)
        dist = spec.get("distribution")
        if dist is None:
            return Input(
                need("value"),
                ctx.num(spec.get("u"), (*path, "u")) if "u" in spec else need("u"),
                dof,
                unit=unit,
            )
        if dist not in DISTRIBUTIONS:
            raise ctx.err(
                (*path, "distribution"),
                f"unknown distribution {dist!r} (allowed: {', '.join(sorted(DISTRIBUTIONS))})",
            )
        d: Any
        if dist == "normal":
            v, u = need("value"), need("u")
            return Input(v, u, dof, D.Normal(v, u), unit)
        if dist == "t":
            if math.isinf(dof):
                raise ctx.err(path, "distribution t needs a finite dof")
            v, u = need("value"), need("u", positive=True)
            return Input(v, u, dof, D.StudentT(v, u, dof), unit)
        if dist == "rectangular":
            d = D.Rectangular(*half())
        elif dist == "triangular":
            d = D.Triangular(*half())
        elif dist == "arcsine":
            d = D.Arcsine(*half())
        elif dist == "trapezoidal":
            d = D.Trapezoidal(*half(), need("beta"))
        elif dist == "curvilinear_trapezoid":
            d = D.CurvilinearTrapezoid(*half(), need("d", positive=True))
        elif dist == "exponential":
            d = D.Exponential(need("value", positive=True))
        elif dist == "gamma":
            d = (
                D.Gamma(need("shape", True), need("scale", True))
                if "shape" in spec
                else D.Gamma.from_mean_u(need("value", True), need("u", True))
            )
        else:  # lognormal
            d = (
                D.LogNormal(need("mu"), need("sigma", True))
                if "mu" in spec
                else D.LogNormal.from_mean_u(need("value", True), need("u", True))
            )
        return Input(float(d.mean), float(d.std), dof, d, unit)
    except ModelFileError:
        raise
    except UncertaintyError as exc:
        raise ctx.err(path, str(exc)) from None
    except ARITHMETIC_ERRORS as exc:  # a distribution's moments past the float range
        raise ctx.err(path, f"cannot be used: {arithmetic_reason(exc)}") from None


def model_from_dict(
    data: Mapping[str, Any], *, source: str = "<dict>", lines: Lines | None = None
) -> Model:
    """Build a model from a parsed model file (the stable contract, see docs/uncertainty.md)."""
    ctx = _Ctx(source, lines)
    if not isinstance(data, Mapping):
        raise ctx.err((), "a model file is a mapping with 'outputs' and 'inputs'")
    for k in data:
        if k not in TOP_KEYS:
            raise ctx.err((str(k),), f"unknown key (allowed: {', '.join(sorted(TOP_KEYS))})")
    for k in ("outputs", "inputs"):
        if k not in data:
            raise ctx.err((), f"missing key {k!r}")
        if not isinstance(data[k], Mapping) or not data[k]:
            raise ctx.err((k,), "must be a non-empty mapping")
    title = data.get("title", "")
    if not isinstance(title, str):
        raise ctx.err(("title",), "must be text")
    prob = None
    if data.get("probability") is not None:
        prob = ctx.num(data["probability"], ("probability",))
        if not 0 < prob < 1:
            raise ctx.err(("probability",), f"must be in (0, 1), got {prob!r}")
    inputs: dict[str, Input] = {}
    for name, spec in data["inputs"].items():
        if not isinstance(name, str) or not name.isidentifier():
            raise ctx.err(("inputs", str(name)), "an input name must be an identifier")
        inputs[name] = _input(name, spec, ctx)
    constants: dict[str, float] = {}
    constant_units: dict[str, str] = {}
    for name, spec in (data.get("constants") or {}).items():
        path = ("constants", str(name))
        if not isinstance(name, str) or not name.isidentifier():
            raise ctx.err(path, "a constant name must be an identifier")
        if isinstance(spec, Mapping):
            for k in spec:
                if k not in ("value", "unit", "description"):
                    raise ctx.err((*path, str(k)), "unknown key (allowed: value, unit)")
            if "value" not in spec:
                raise ctx.err(path, "missing key 'value'")
            constants[name] = ctx.num(spec["value"], (*path, "value"))
            if spec.get("unit") is not None:
                constant_units[name] = str(spec["unit"])
        else:
            constants[name] = ctx.num(spec, path)
    outputs: dict[str, str] = {}
    output_units: dict[str, str] = {}
    for name, spec in data["outputs"].items():
        path = ("outputs", str(name))
        if isinstance(spec, Mapping):
            for k in spec:
                if k not in ("expression", "unit", "description"):
                    raise ctx.err((*path, str(k)), "unknown key (allowed: expression, unit)")
            if "expression" not in spec:
                raise ctx.err(path, "missing key 'expression'")
            expr = spec["expression"]
            if spec.get("unit") is not None:
                output_units[str(name)] = str(spec["unit"])
        else:
            expr = spec
        if not isinstance(expr, str | int | float) or isinstance(expr, bool):
            raise ctx.err(path, "an output is an expression such as 'a * b'")
        outputs[str(name)] = str(expr)
    correlations: list[tuple[str, str, float]] = []
    cors = data.get("correlations") or []
    if not isinstance(cors, list):
        raise ctx.err(("correlations",), "a list of [a, b, r]")
    for i, c in enumerate(cors):
        path = ("correlations", str(i))
        if not isinstance(c, list) or len(c) != 3:
            raise ctx.err(path, f"a correlation is [a, b, r], got {c!r}")
        a, b, r = c
        for j, nm in enumerate((a, b)):
            if nm not in inputs:
                raise ctx.err((*path, str(j)), f"unknown input {nm!r}")
        correlations.append((a, b, ctx.num(r, (*path, "2"))))
    ens = data.get("ensembles") or []
    if not isinstance(ens, list) or not all(isinstance(e, list) for e in ens):
        raise ctx.err(("ensembles",), "a list of lists of input names")
    for i, e in enumerate(ens):
        for j, nm in enumerate(e):
            if nm not in inputs:
                raise ctx.err(("ensembles", str(i), str(j)), f"unknown input {nm!r}")
    try:
        return Model(
            inputs=inputs,
            outputs=outputs,
            correlations=correlations,
            ensembles=ens,
            constants=constants,
            output_units=output_units,
            constant_units=constant_units,
            title=title,
            probability=prob,
        )
    except ModelFileError:
        raise
    except UncertaintyError as exc:
        msg = str(exc)
        key: tuple[str, ...] = ("outputs",)
        for name in outputs:
            if f"output {name!r}" in msg:
                key = ("outputs", name)
        if "correlat" in msg:
            key = ("correlations",)
        elif "ensemble" in msg:
            key = ("ensembles",)
        elif "input " in msg and "output" not in msg:
            key = ("inputs",)
        raise type(exc)(str(ctx.err(key, msg))) from None


def load_model(path: str | Path) -> Model:
    """Read a YAML model file; errors name the file, line and key."""
    p = Path(path)
    try:
        text = yamlsafe.read_text(p)  # refused by its size before it is read
    except yamlsafe.FileRefused as exc:
        raise ModelFileError(str(exc), source=str(p)) from None
    data, lines = _parse_yaml(text, str(p))
    return model_from_dict(data, source=str(p), lines=lines)


# --- evaluation -----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Evaluation:
    """GUM result, optional Monte Carlo result and the validation of one against the other."""

    model: Model
    probability: float
    gum: GumEvaluation
    mc: McEvaluation | None
    validation: tuple[Validation, ...] | None

    def to_json(self) -> dict[str, Any]:
        """The JSON contract (docs/uncertainty.md): infinite or undefined numbers are null."""
        outs: dict[str, Any] = {}
        for g in self.gum.results:
            o: dict[str, Any] = {
                "unit": g.unit,
                "concise": concise(g.value, g.u, 2, g.unit),
                "gum": {
                    "value": g.value,
                    "u": g.u,
                    "dof": g.dof,
                    "dof_reason": g.dof_reason or None,
                    "k": g.k,
                    "U": g.U,
                    "interval": list(g.interval),
                    "second_order": g.second_order,
                },
                "budget": budget_json(g),
            }
            if self.mc is not None:
                r = self.mc[g.name]
                o["mc"] = {
                    "value": r.value,
                    "u": r.u,
                    "interval_symmetric": list(r.interval_symmetric),
                    "interval_shortest": list(r.interval_shortest),
                    "trials": r.trials,
                }
            if self.validation is not None:
                v = next(x for x in self.validation if x.name == g.name)
                o["validation"] = {
                    "gum_valid": v.gum_valid,
                    "tolerance": v.tolerance,
                    "d_low": v.d_low,
                    "d_high": v.d_high,
                }
            outs[g.name] = o
        doc: dict[str, Any] = {
            "title": self.model.title,
            "probability": self.probability,
            "outputs": outs,
        }
        if self.mc is not None:
            doc["mc"] = {
                "trials": self.mc.trials,
                "seed": self.mc.seed,
                "adaptive": self.mc.adaptive,
                "converged": self.mc.converged,
                "significant_digits": self.mc.significant_digits,
                "intervals_from": self.mc.intervals_from,
            }
        if len(self.gum.results) > 1:
            corr: dict[str, Any] = {
                "outputs": list(self.gum.names),
                "gum": self.gum.correlation.tolist(),
            }
            if self.mc is not None:
                corr["mc"] = self.mc.correlation.tolist()
            doc["correlation"] = corr
        cleaned: dict[str, Any] = _clean(doc)
        return cleaned

    def report(self) -> str:
        """Plain-text report: budgets, Monte Carlo results and the validation verdict."""
        parts = [self.model.title] if self.model.title else []
        for g in self.gum.results:
            parts.append(budget_text(g))
            if self.mc is not None:
                r = self.mc[g.name]
                unit = f" {r.unit}" if r.unit else ""
                parts.append(
                    f"  Monte Carlo ({r.trials} trials): {r.name} = "
                    f"{concise(r.value, r.u, 2, r.unit)}; symmetric "
                    f"[{r.interval_symmetric[0]:.8g}, {r.interval_symmetric[1]:.8g}]{unit}, "
                    f"shortest [{r.interval_shortest[0]:.8g}, {r.interval_shortest[1]:.8g}]"
                    f"{unit}"
                )
            if self.validation is not None:
                v = next(x for x in self.validation if x.name == g.name)
                verdict = "validated" if v.gum_valid else "NOT validated"
                parts.append(
                    f"  GUM {verdict} by Monte Carlo (JCGM 101 8.2): d_low = "
                    f"{v.d_low:.2g}, d_high = {v.d_high:.2g}, tolerance "
                    f"{v.tolerance:.2g}"
                )
        if self.mc is not None and self.mc.adaptive and not self.mc.converged:
            parts.append(
                "WARNING: the adaptive procedure stopped at the trial limit "
                "before reaching the tolerance"
            )
        return "\n\n".join(parts)


def _clean(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def evaluate(
    model: Model,
    *,
    mc: int | None = None,
    adaptive: bool = False,
    digits: int | None = None,
    seed: int | None = None,
    second_order: bool = False,
    probability: float | None = None,
) -> Evaluation:
    """GUM always; Monte Carlo with ``mc`` trials or adaptively; validation when both ran."""
    if mc is not None and adaptive:
        raise UncertaintyError("choose either a fixed number of trials or the adaptive procedure")
    p = (
        probability
        if probability is not None
        else (
            model.probability
            if model.probability is not None
            else float(jcgm101_constants()["coverage"]["default_probability"])
        )
    )
    gum = evaluate_gum(model, probability=p, second_order=second_order)
    mce: McEvaluation | None = None
    if adaptive:
        mce = evaluate_adaptive(model, digits, seed=seed, probability=p)
    elif mc is not None:
        mce = evaluate_mc(model, mc, seed=seed, probability=p)
    val = validate(gum, mce, digits) if mce is not None else None
    return Evaluation(model, p, gum, mce, val)


def evaluate_dict(data: Mapping[str, Any], *, source: str = "<dict>", **options: Any) -> Evaluation:
    """Evaluate a parsed model (e.g. a procedure template filled with numbers)."""
    return evaluate(model_from_dict(data, source=source), **options)


def evaluate_file(path: str | Path, **options: Any) -> Evaluation:
    """Evaluate a YAML model file."""
    return evaluate(load_model(path), **options)
