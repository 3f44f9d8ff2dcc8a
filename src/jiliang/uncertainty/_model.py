"""Inputs and measurement models: the objects the GUM and Monte Carlo evaluators share.

Why: one description of the inputs (estimate, standard uncertainty, degrees of freedom,
distribution for sampling, correlations, ensembles) and of the model (safe expressions or a
vectorised callable) serves both evaluations, so they can be compared (JCGM 101 8.2).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

from jiliang.uncertainty import _expr
from jiliang.uncertainty._distributions import Distribution, Normal, StudentT
from jiliang.uncertainty._errors import CorrelationError, UncertaintyError, UnitError
from jiliang.uncertainty._numeric import ARITHMETIC_ERRORS, arithmetic_reason

__all__ = ["Input", "Model", "type_a", "type_b", "ureal"]

F64 = npt.NDArray[np.float64]
# Bounds that keep a model file's cost proportional to what it means: the GUM evaluation holds
# one gradient of length n per input (n^2 numbers; n^3 with --second-order), so 1,000 inputs
# are 8 MB where the 30,000 a 1 MB file can list would be 7 GB.
MAX_INPUTS = 1000
MAX_OUTPUTS = 1000
MAX_SECOND_ORDER_INPUTS = 60


@dataclass(frozen=True)
class Input:
    """An input quantity: estimate ``value``, standard uncertainty ``u``, degrees of freedom.

    ``distribution`` is what Monte Carlo samples; when omitted it is N(value, u^2) for
    infinite ``dof`` and t_dof(value, u^2) otherwise (JCGM 101 6.4.9).
    """

    value: float
    u: float
    dof: float = math.inf
    distribution: Distribution | None = None
    unit: str | None = None
    observations: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if not (isinstance(self.value, (int, float)) and math.isfinite(self.value)):
            raise UncertaintyError(f"value must be a finite number, got {self.value!r}")
        if not (isinstance(self.u, (int, float)) and math.isfinite(self.u) and self.u >= 0):
            raise UncertaintyError(f"u must be a finite number >= 0, got {self.u!r}")
        if not (isinstance(self.dof, (int, float)) and self.dof > 0):
            raise UncertaintyError(f"dof must be > 0 (or infinite), got {self.dof!r}")

    @property
    def sampling(self) -> Distribution:
        """The distribution Monte Carlo draws from."""
        if self.distribution is not None:
            return self.distribution
        if math.isinf(self.dof):
            return Normal(float(self.value), float(self.u))
        return StudentT(float(self.value), float(self.u), float(self.dof))


def ureal(value: float, u: float, dof: float = math.inf, *, unit: str | None = None) -> Input:
    """An input from an estimate and its standard uncertainty (GTC's ``ureal``)."""
    return Input(float(value), float(u), float(dof), unit=unit)


def type_a(observations: Iterable[float], *, unit: str | None = None) -> Input:
    """Type A input: mean, s/sqrt(n), dof n - 1 (GUM 4.2); sampled as t (JCGM 101 6.4.9.7)."""
    obs = tuple(float(x) for x in observations)
    if len(obs) < 2:
        raise UncertaintyError("type A evaluation needs at least two observations")
    if not all(math.isfinite(x) for x in obs):
        raise UncertaintyError("observations must be finite numbers")
    arr = np.asarray(obs)
    n = arr.size
    return Input(
        float(arr.mean()),
        float(arr.std(ddof=1) / math.sqrt(n)),
        float(n - 1),
        unit=unit,
        observations=obs,
    )


def type_b(distribution: Distribution, dof: float = math.inf, *, unit: str | None = None) -> Input:
    """Type B input from a distribution; estimate and u are its mean and standard deviation.

    For the t distribution the GUM input is (loc, scale, dof) so that GUM and Monte Carlo
    describe the same state of knowledge (JCGM 101 6.4.9).
    """
    if isinstance(distribution, StudentT):
        return Input(distribution.loc, distribution.scale, distribution.dof, distribution, unit)
    return Input(float(distribution.mean), float(distribution.std), float(dof), distribution, unit)


@cache
def unit_registry() -> Any:
    """One shared pint registry, built only when a model uses units (it is slow to build)."""
    import pint

    return pint.UnitRegistry()


def parse_unit(text: str, where: str) -> Any:
    ureg = unit_registry()
    try:
        return ureg.Unit(text)
    except Exception as exc:
        raise UnitError(f"{where}: unknown unit {text!r} ({exc})") from None


OutputFn = Callable[[Mapping[str, Any]], list[Any]]


@dataclass(frozen=True, eq=False)
class Model:
    """A measurement model with named inputs and one or more named outputs.

    Build it from expressions (``Model(inputs, {"y": "a*b"})``) or from a vectorised callable
    (``Model.from_function(f, inputs)``). Correlations are ``(a, b, r)`` triples; an
    ensemble lists inputs estimated from the same sample (same dof), which makes the
    Willink (2007) effective degrees of freedom valid for their correlation.
    """

    inputs: Mapping[str, Input]
    outputs: Mapping[str, str] | None = None
    correlations: Sequence[tuple[str, str, float]] = ()
    ensembles: Sequence[Sequence[str]] = ()
    constants: Mapping[str, float] = field(default_factory=dict)
    output_units: Mapping[str, str] = field(default_factory=dict)
    constant_units: Mapping[str, str] = field(default_factory=dict)
    title: str = ""
    probability: float | None = None
    function: Callable[..., Any] | None = None
    function_outputs: Sequence[str] = ()
    # derived in __post_init__
    names: tuple[str, ...] = field(init=False)
    output_names: tuple[str, ...] = field(init=False)
    correlation: F64 = field(init=False)
    ensemble_sets: tuple[frozenset[str], ...] = field(init=False)
    units: Mapping[str, str | None] = field(init=False)
    _fn: OutputFn = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.inputs:
            raise UncertaintyError("a model needs at least one input")
        if len(self.inputs) > MAX_INPUTS:  # jets hold n x n derivatives (n^3 at second order)
            raise UncertaintyError(
                f"a model has at most {MAX_INPUTS} inputs, this one has {len(self.inputs)}"
            )
        if self.outputs is not None and len(self.outputs) > MAX_OUTPUTS:
            raise UncertaintyError(
                f"a model has at most {MAX_OUTPUTS} outputs, this one has {len(self.outputs)}"
            )
        for name, inp in self.inputs.items():
            if not isinstance(inp, Input):
                raise UncertaintyError(f"input {name!r} is not an Input")
            if not name.isidentifier():
                raise UncertaintyError(f"input name {name!r} is not a valid identifier")
        names = tuple(self.inputs)
        object.__setattr__(self, "names", names)
        ens = self._check_ensembles()
        object.__setattr__(self, "ensemble_sets", ens)
        object.__setattr__(self, "correlation", self._correlation_matrix())
        if self.function is not None:
            self._build_function()
        else:
            self._build_expressions()

    # -- correlations --------------------------------------------------------------------------
    def _check_ensembles(self) -> tuple[frozenset[str], ...]:
        out: list[frozenset[str]] = []
        seen: set[str] = set()
        for group in self.ensembles:
            g = list(group)
            for n in g:
                if n not in self.inputs:
                    raise UncertaintyError(f"ensemble names unknown input {n!r}")
                if n in seen:
                    raise UncertaintyError(f"input {n!r} is in more than one ensemble")
                seen.add(n)
            dofs = {self.inputs[n].dof for n in g}
            if len(dofs) != 1 or math.isinf(next(iter(dofs))):
                raise UncertaintyError(
                    f"ensemble {g}: members must share one finite dof (same sample), got "
                    + ", ".join(f"{n}: {self.inputs[n].dof:g}" for n in g)
                )
            out.append(frozenset(g))
        return tuple(out)

    def _correlation_matrix(self) -> F64:
        idx = {n: i for i, n in enumerate(self.names)}
        n = len(self.names)
        r = np.eye(n)
        given: set[tuple[int, int]] = set()
        for item in self.correlations:
            if len(item) != 3:
                raise CorrelationError(f"a correlation is [a, b, r], got {item!r}")
            a, b, rho = item
            for nm in (a, b):
                if nm not in idx:
                    raise CorrelationError(f"correlation [{a}, {b}]: unknown input {nm!r}")
            if a == b:
                raise CorrelationError(f"correlation [{a}, {b}]: an input with itself")
            if not (isinstance(rho, (int, float)) and -1.0 <= rho <= 1.0):
                raise CorrelationError(f"correlation [{a}, {b}]: r must be in [-1, 1], got {rho!r}")
            i, j = idx[a], idx[b]
            key = (min(i, j), max(i, j))
            if key in given and r[i, j] != rho:
                raise CorrelationError(f"correlation [{a}, {b}] given twice with different r")
            given.add(key)
            r[i, j] = r[j, i] = float(rho)
        # inputs of one ensemble with raw observations: r from the data (GUM 5.2.3, H.2)
        for group in self.ensemble_sets:
            members = [m for m in self.names if m in group]
            for p, a in enumerate(members):
                for b in members[p + 1 :]:
                    i, j = idx[a], idx[b]
                    if (min(i, j), max(i, j)) in given:
                        continue
                    oa, ob = self.inputs[a].observations, self.inputs[b].observations
                    if oa and ob and len(oa) == len(ob):
                        rr = float(np.corrcoef(oa, ob)[0, 1])
                        r[i, j] = r[j, i] = rr
        if n > 1:
            w = np.linalg.eigvalsh(r)
            if w[0] < -1e-10:
                pairs = [
                    f"[{self.names[i]}, {self.names[j]}, {r[i, j]:g}]"
                    for i in range(n)
                    for j in range(i + 1, n)
                    if r[i, j] != 0
                ]
                raise CorrelationError(
                    "the correlation matrix is not positive semi-definite (smallest eigenvalue "
                    f"{w[0]:.3g}); check the coefficients {', '.join(pairs)}"
                )
        return r

    @property
    def covariance(self) -> F64:
        u = np.array([self.inputs[n].u for n in self.names])
        return np.asarray(self.correlation * np.outer(u, u), dtype=np.float64)

    # -- outputs -----------------------------------------------------------------------------
    def _build_function(self) -> None:
        fn = self.function
        assert fn is not None
        outs = tuple(self.function_outputs) or ("y",)
        if len(set(outs)) != len(outs):
            raise UncertaintyError(f"duplicate output names {outs}")
        consts = dict(self.constants)

        def run(env: Mapping[str, Any]) -> list[Any]:
            try:
                res = fn(**env, **consts)
            except ARITHMETIC_ERRORS as exc:
                raise UncertaintyError(
                    f"the model function cannot be evaluated: {arithmetic_reason(exc)}"
                ) from None
            if isinstance(res, Mapping):
                return [res[o] for o in outs]
            if isinstance(res, (tuple, list)):
                if len(res) != len(outs):
                    raise UncertaintyError(
                        f"the model returned {len(res)} values, "
                        f"expected {len(outs)} ({', '.join(outs)})"
                    )
                return list(res)
            if len(outs) != 1:
                raise UncertaintyError(f"the model returned one value, expected {len(outs)}")
            return [res]

        object.__setattr__(self, "output_names", outs)
        object.__setattr__(
            self,
            "units",
            {o: self.output_units.get(o) for o in outs},  # declared, not checked
        )
        object.__setattr__(self, "_fn", run)

    def _build_expressions(self) -> None:
        if not self.outputs:
            raise UncertaintyError("a model needs at least one output")
        known: set[str] = set(self.inputs) | set(self.constants)
        overlap = set(self.inputs) & set(self.constants)
        if overlap:
            raise UncertaintyError(f"names used as both input and constant: {sorted(overlap)}")
        use_units = bool(
            self.output_units or self.constant_units or any(i.unit for i in self.inputs.values())
        )
        unit_env: dict[str, Any] = {}
        if use_units:
            ureg = unit_registry()
            for n, i in self.inputs.items():
                unit_env[n] = parse_unit(i.unit, f"input {n!r}") if i.unit else ureg.dimensionless
            for n in self.constants:
                cu = self.constant_units.get(n)
                unit_env[n] = parse_unit(cu, f"constant {n!r}") if cu else ureg.dimensionless
        steps: list[tuple[str, _expr.Evaluator]] = []
        units: dict[str, str | None] = {}
        for out, text in self.outputs.items():
            if not out.isidentifier():
                raise UncertaintyError(f"output name {out!r} is not a valid identifier")
            if out in known:
                raise UncertaintyError(f"output {out!r} reuses the name of an input or output")
            try:
                tree = _expr.parse_expression(text, known)
            except UncertaintyError as exc:
                raise type(exc)(f"output {out!r}: {exc}") from None
            if use_units:
                ureg = unit_registry()
                tree, unit = _expr.unit_pass(tree, unit_env, ureg, out)
                want = self.output_units.get(out)
                if want is not None:
                    target = parse_unit(want, f"output {out!r}")
                    if target.dimensionality != unit.dimensionality:
                        raise UnitError(
                            f"output {out!r}: expression has unit [{unit:~}] "
                            f"({unit.dimensionality}), not convertible to {want!r}"
                        )
                    f = float((1.0 * unit).to(target).magnitude)
                    if f != 1.0:
                        tree = _expr.BinOp("*", _expr.Const(f), tree)
                    unit = target
                unit_env[out] = unit
                units[out] = f"{unit:~}" if not unit.dimensionless else None
            else:
                units[out] = None
            steps.append((out, _expr.guarded(_expr.compile_node(tree), text, out)))
            known.add(out)
        consts = {k: float(v) for k, v in self.constants.items()}

        def run(env: Mapping[str, Any]) -> list[Any]:
            scope: dict[str, Any] = {**consts, **env}
            res: list[Any] = []
            for out, f in steps:
                v = f(scope)
                scope[out] = v
                res.append(v)
            return res

        object.__setattr__(self, "output_names", tuple(self.outputs))
        object.__setattr__(self, "units", units)
        object.__setattr__(self, "_fn", run)

    @classmethod
    def from_function(
        cls,
        function: Callable[..., Any],
        inputs: Mapping[str, Input],
        outputs: Sequence[str] = ("y",),
        *,
        correlations: Sequence[tuple[str, str, float]] = (),
        ensembles: Sequence[Sequence[str]] = (),
        constants: Mapping[str, float] | None = None,
        output_units: Mapping[str, str] | None = None,
        title: str = "",
    ) -> Model:
        """A model from a vectorised callable ``function(**inputs)``.

        It must accept numpy arrays (Monte Carlo) and use operators and numpy functions
        (``np.sqrt``, ``np.exp``, ...) so that jets give exact derivatives; ``math.*`` will not.
        """
        return cls(
            inputs=dict(inputs),
            correlations=correlations,
            ensembles=ensembles,
            constants=dict(constants or {}),
            output_units=dict(output_units or {}),
            title=title,
            function=function,
            function_outputs=tuple(outputs),
        )

    def __call__(self, env: Mapping[str, Any]) -> list[Any]:
        """Output values for the given input values (floats, arrays or jets)."""
        return self._fn(env)

    @property
    def estimates(self) -> F64:
        return np.array([self.inputs[n].value for n in self.names], dtype=np.float64)

    @property
    def std_uncertainties(self) -> F64:
        return np.array([self.inputs[n].u for n in self.names], dtype=np.float64)
