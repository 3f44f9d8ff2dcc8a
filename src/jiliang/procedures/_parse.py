"""Load and validate a procedure file: every error names the file, the key path and the reason."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any, Literal, cast

import yaml

from jiliang import yamlsafe
from jiliang.procedures._errors import ProcedureError, out_of_bounds
from jiliang.procedures._model import (
    Amount,
    BandRow,
    Condition,
    DecisionRuleSpec,
    EnvironmentLimit,
    LocalizedText,
    MpeRule,
    Parameter,
    PointSpec,
    Procedure,
    Range,
    RequiredStandard,
    Source,
    TestPlan,
    Variable,
    VerificationPeriod,
)

FORMAT = "jiliang-procedure/1"
_RULE_KINDS = (
    "jjf1094", "simple_acceptance", "guarded_acceptance", "guarded_rejection", "non_binary"
)  # fmt: skip
# A verification (检定) procedure that names no rule follows JJF 1094-2002 5.3.
_DEFAULT_VERIFICATION_RULE = DecisionRuleSpec("jjf1094", Decimal(1), "JJF 1094-2002 5.3")
_NAME = re.compile(r"^[A-Za-z_]\w*$")
# SI prefixes of the mass units a table key may use, to compare keys exactly with a point.
_MASS_UNITS = {"mg": Decimal("0.001"), "g": Decimal(1), "kg": Decimal(1000), "t": Decimal(10**6)}


class _Reader:
    """Typed accessors over plain YAML data that raise ProcedureError with the key path."""

    def __init__(self, origin: str) -> None:
        self.origin = origin

    def fail(self, path: str, reason: str) -> ProcedureError:
        return ProcedureError(self.origin, path, reason)

    def mapping(
        self,
        value: object,
        path: str,
        required: tuple[str, ...] = (),
        optional: tuple[str, ...] = (),
        open_keys: bool = False,
    ) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected a mapping, got {_kind(value)}")
        for key in value:
            if not isinstance(key, str):
                raise self.fail(path, f"key {key!r} is not a string")
        for key in required:
            if key not in value:
                raise self.fail(_join(path, key), "required key is missing")
        if not open_keys:
            allowed = set(required) | set(optional)
            unknown = sorted(set(value) - allowed)
            if unknown:
                raise self.fail(
                    _join(path, unknown[0]),
                    f"unknown key (allowed: {', '.join(sorted(allowed))})",
                )
        return cast(dict[str, Any], value)

    def seq(self, value: object, path: str, non_empty: bool = True) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(path, f"expected a list, got {_kind(value)}")
        if non_empty and not value:
            raise self.fail(path, "must not be empty")
        return value

    def text(self, value: object, path: str) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.fail(path, f"expected a text, got {_kind(value)}")
        result = str(value).strip()
        if not result:
            raise self.fail(path, "must not be empty")
        return result

    def decimal(self, value: object, path: str) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.fail(path, f"expected a number, got {_kind(value)}")
        try:
            result = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
        except InvalidOperation:
            raise self.fail(path, f"{value!r} is not a number") from None
        if not result.is_finite():
            raise self.fail(path, f"{value!r} is not finite")
        reason = out_of_bounds(result)
        if reason:
            raise self.fail(path, reason)
        return result

    def localized(self, value: object, path: str) -> LocalizedText:
        data = self.mapping(value, path, required=("zh", "en"))
        return LocalizedText(
            self.text(data["zh"], path + ".zh"), self.text(data["en"], path + ".en")
        )

    def clauses(self, value: object, path: str) -> tuple[str, ...]:
        return tuple(
            self.text(item, f"{path}[{i}]") for i, item in enumerate(self.seq(value, path))
        )


def _kind(value: object) -> str:
    return "nothing" if value is None else type(value).__name__


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def load_procedure(path: str | Path) -> Procedure:
    """Read and validate a procedure YAML file (yaml.safe_load only)."""
    file = Path(path)
    origin = str(file)
    try:
        size = file.stat().st_size
        if size > yamlsafe.MAX_FILE_BYTES:  # refused before it is read
            raise ProcedureError(
                origin, "", f"the file is {size:,} bytes; the limit is {yamlsafe.MAX_FILE_BYTES:,}"
            )
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProcedureError(origin, "", f"cannot read file: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ProcedureError(origin, "", f"not UTF-8 text: {exc.reason}") from None
    return parse_procedure_text(text, origin)


def parse_procedure_text(text: str, origin: str = "<text>") -> Procedure:
    """Validate a procedure given as YAML text; YAML syntax errors report line and column."""
    try:
        data = yamlsafe.load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        syntax = isinstance(exc, yaml.scanner.ScannerError | yaml.parser.ParserError)
        what = "YAML syntax error" if syntax else "YAML error"
        raise ProcedureError(origin, where, f"{what}: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise ProcedureError(origin, "", f"YAML error: {exc}") from None
    try:
        return parse_procedure(data, origin)
    except ProcedureError as error:
        line = _line_of(text, error.path)
        if line is None:
            raise
        raise ProcedureError(error.origin, error.path, error.reason, line) from None


def _line_of(text: str, path: str) -> int | None:
    """Line of the key path in the YAML text, or of its nearest ancestor that is there."""
    lines: dict[str, int] = {}

    def walk(node: yaml.Node, here: str) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child = _join(here, str(key.value))
                lines.setdefault(child, key.start_mark.line + 1)
                walk(value, child)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                child = f"{here}[{i}]"
                lines.setdefault(child, item.start_mark.line + 1)
                walk(item, child)

    try:
        root = yamlsafe.compose(text)
    except yaml.YAMLError:
        return None
    if root is None:
        return None
    walk(root, "")
    probe = path
    while probe:
        if probe in lines:
            return lines[probe]
        cut = max(probe.rfind("."), probe.rfind("["))
        probe = probe[:cut] if cut > 0 else ""
    return None


def builtin_procedures() -> tuple[Procedure, ...]:
    """The procedures shipped under jiliang/data/procedures, sorted by code."""
    folder = resources.files("jiliang.data").joinpath("procedures")
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".yaml"):
            found.append(parse_procedure_text(entry.read_text(encoding="utf-8"), entry.name))
    return tuple(sorted(found, key=lambda p: p.code))


def get_procedure(code: str) -> Procedure:
    """A shipped procedure by its code, e.g. "JJG 99-2022"."""
    for procedure in builtin_procedures():
        if procedure.code == code:
            return procedure
    known = ", ".join(p.code for p in builtin_procedures())
    raise ProcedureError(
        "jiliang/data/procedures", "code", f"no procedure {code!r} (known: {known})"
    )


def parse_procedure(data: object, origin: str = "<data>") -> Procedure:
    """Validate already-parsed data (e.g. from an upload) and build the Procedure."""
    r = _Reader(origin)
    top = r.mapping(
        data,
        "",
        required=(
            "format", "code", "title", "edition", "kind", "instrument_category", "source",
            "quantity", "accuracy_classes", "instrument_parameters", "variables", "mpe",
            "test_points", "required_standards", "environment",
            "verification_period", "uncertainty_model",
        ),
        optional=("decision_rule",),
    )  # fmt: skip
    if top["format"] != FORMAT:
        raise r.fail("format", f"expected {FORMAT!r}, got {top['format']!r}")
    kind = r.text(top["kind"], "kind")
    if kind not in ("verification", "calibration"):
        raise r.fail("kind", f"must be 'verification' (检定) or 'calibration' (校准), got {kind!r}")
    classes = r.clauses(top["accuracy_classes"], "accuracy_classes")
    if len(set(classes)) != len(classes):
        raise r.fail("accuracy_classes", "classes must be distinct")
    parameters = _parameters(r, top["instrument_parameters"])
    variables = _variables(r, top["variables"])
    clash = sorted(set(parameters) & set(variables))
    if clash:
        raise r.fail(f"variables.{clash[0]}", "a variable may not share its name with a parameter")
    context = _Context(r, parameters, variables, classes)
    return Procedure(
        origin=origin,
        code=r.text(top["code"], "code"),
        title=r.localized(top["title"], "title"),
        edition=r.text(top["edition"], "edition"),
        kind=cast(Literal["verification", "calibration"], kind),
        instrument_category=r.localized(top["instrument_category"], "instrument_category"),
        source=_source(r, top["source"]),
        quantity=r.text(top["quantity"], "quantity"),
        accuracy_classes=classes,
        parameters=parameters,
        variables=variables,
        mpe_rule=context.mpe(top["mpe"]),
        decision_rule=_decision_rule(r, top["decision_rule"])
        if "decision_rule" in top
        else _default_rule(r, kind),
        test_plan=context.test_plan(top["test_points"]),
        required_standards=tuple(
            context.standard(item, f"required_standards[{i}]")
            for i, item in enumerate(r.seq(top["required_standards"], "required_standards"))
        ),
        environment=tuple(
            context.environment(item, f"environment[{i}]")
            for i, item in enumerate(r.seq(top["environment"], "environment", non_empty=False))
        ),
        verification_period=_period(r, top["verification_period"]),
        uncertainty_model=_uncertainty_model(r, top["uncertainty_model"]),
    )


def _source(r: _Reader, value: object) -> Source:
    data = r.mapping(
        value, "source", required=("regulation", "title", "edition", "clauses"), optional=("note",)
    )
    return Source(
        regulation=r.text(data["regulation"], "source.regulation"),
        title=r.text(data["title"], "source.title"),
        edition=r.text(data["edition"], "source.edition"),
        clauses=r.clauses(data["clauses"], "source.clauses"),
        note=r.text(data["note"], "source.note") if "note" in data else "",
    )


def _parameters(r: _Reader, value: object) -> dict[str, Parameter]:
    data = r.mapping(value, "instrument_parameters", open_keys=True)
    result = {}
    for name, spec in data.items():
        path = f"instrument_parameters.{name}"
        if not _NAME.match(name):
            raise r.fail(path, "a parameter name must be an identifier")
        item = r.mapping(spec, path, required=("unit",), optional=("description",))
        result[name] = Parameter(
            name,
            r.text(item["unit"], path + ".unit"),
            r.text(item["description"], path + ".description") if "description" in item else "",
        )
    if not result:
        raise r.fail("instrument_parameters", "must not be empty")
    return result


def _variables(r: _Reader, value: object) -> dict[str, Variable]:
    data = r.mapping(value, "variables", open_keys=True)
    result = {}
    for name, spec in data.items():
        path = f"variables.{name}"
        if not _NAME.match(name):
            raise r.fail(path, "a variable name must be an identifier")
        item = r.mapping(spec, path, required=("kind",), optional=("unit", "values", "description"))
        kind = item["kind"]
        description = (
            r.text(item["description"], path + ".description") if "description" in item else ""
        )
        if kind == "quantity":
            if "unit" not in item:
                raise r.fail(path + ".unit", "required key is missing for a quantity")
            if "values" in item:
                raise r.fail(path + ".values", "only a label variable lists values")
            result[name] = Variable(
                name, "quantity", r.text(item["unit"], path + ".unit"), (), description
            )
        elif kind == "label":
            values = r.clauses(item.get("values"), path + ".values")
            result[name] = Variable(name, "label", "", values, description)
        else:
            raise r.fail(path + ".kind", f"must be 'quantity' or 'label', got {kind!r}")
    if not result:
        raise r.fail("variables", "must not be empty")
    return result


def _decision_rule(r: _Reader, value: object) -> DecisionRuleSpec:
    data = r.mapping(
        value, "decision_rule", required=("kind", "clause"), optional=("guard_band_factor",)
    )
    kind = r.text(data["kind"], "decision_rule.kind")
    if kind not in _RULE_KINDS:
        raise r.fail("decision_rule.kind", f"must be one of {', '.join(_RULE_KINDS)}, got {kind!r}")
    factor = Decimal(0)
    if kind == "jjf1094":
        if "guard_band_factor" in data:
            raise r.fail("decision_rule.guard_band_factor", "JJF 1094 has no factor: w = U95")
        factor = Decimal(1)
    elif kind != "simple_acceptance":
        factor = r.decimal(data.get("guard_band_factor", 1), "decision_rule.guard_band_factor")
        if factor < 0:
            raise r.fail("decision_rule.guard_band_factor", "must not be negative")
    elif "guard_band_factor" in data:
        raise r.fail("decision_rule.guard_band_factor", "simple acceptance has no guard band")
    return DecisionRuleSpec(kind, factor, r.text(data["clause"], "decision_rule.clause"))


def _default_rule(r: _Reader, kind: str) -> DecisionRuleSpec:
    """JJF 1094-2002 5.3 for verification; a calibration procedure must name its rule."""
    if kind != "verification":
        raise r.fail(
            "decision_rule", "required key is missing (only verification defaults to JJF 1094)"
        )
    return _DEFAULT_VERIFICATION_RULE


def _period(r: _Reader, value: object) -> VerificationPeriod:
    data = r.mapping(value, "verification_period", required=("months", "clause"))
    months = data["months"]
    if isinstance(months, bool) or not isinstance(months, int) or months <= 0:
        raise r.fail(
            "verification_period.months", f"must be a positive whole number, got {months!r}"
        )
    return VerificationPeriod(months, r.text(data["clause"], "verification_period.clause"))


def _uncertainty_model(r: _Reader, value: object) -> dict[str, Any]:
    """Check the shape of the model template (the engine checks the expressions when it runs)."""
    path = "uncertainty_model"
    data = r.mapping(
        value,
        path,
        required=("title", "outputs", "inputs"),
        optional=("probability", "correlations", "constants", "description", "ensembles"),
    )
    outputs = r.mapping(data["outputs"], path + ".outputs", open_keys=True)
    if not outputs:
        raise r.fail(path + ".outputs", "must not be empty")
    for name, expression in outputs.items():
        r.text(expression, f"{path}.outputs.{name}")
    inputs = r.mapping(data["inputs"], path + ".inputs", open_keys=True)
    if not inputs:
        raise r.fail(path + ".inputs", "must not be empty")
    for name, spec in inputs.items():
        item = r.mapping(spec, f"{path}.inputs.{name}", open_keys=True)
        forms = [k for k in ("u", "distribution", "observations") if k in item]
        if len(forms) != 1:
            raise r.fail(
                f"{path}.inputs.{name}",
                "give exactly one of u (normal), distribution, or observations",
            )
    return data


class _Context:
    """Parsing that needs the declared parameters, variables and classes."""

    def __init__(
        self,
        r: _Reader,
        parameters: Mapping[str, Parameter],
        variables: Mapping[str, Variable],
        classes: tuple[str, ...],
    ) -> None:
        self.r = r
        self.parameters = parameters
        self.variables = variables
        self.classes = classes

    def amount(self, value: object, path: str, unit: str) -> Amount:
        """An amount whose parameter exists and has the expected unit."""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.r.fail(path, f"expected an amount such as '0.5 e' or 20, got {_kind(value)}")
        parsed = Amount.parse(repr(value) if isinstance(value, float) else str(value))
        if parsed is None:
            raise self.r.fail(path, f"{value!r} is not 'number parameter', 'parameter' or 'number'")
        reason = out_of_bounds(parsed.number)
        if reason:
            raise self.r.fail(path, reason)
        if parsed.parameter is not None:
            parameter = self.parameters.get(parsed.parameter)
            if parameter is None:
                raise self.r.fail(
                    path,
                    f"unknown instrument parameter {parsed.parameter!r} "
                    f"(declared: {', '.join(self.parameters)})",
                )
            if parameter.unit != unit:
                raise self.r.fail(
                    path, f"parameter {parsed.parameter!r} is in {parameter.unit}, expected {unit}"
                )
        return parsed

    def variable(self, name: str, path: str) -> Variable:
        found = self.variables.get(name)
        if found is None:
            raise self.r.fail(path, f"unknown variable (declared: {', '.join(self.variables)})")
        return found

    def range(self, value: object, path: str, variable: Variable) -> Range:
        data = self.r.mapping(value, path, optional=("from", "above", "to", "below"))
        if "from" in data and "above" in data:
            raise self.r.fail(path, "give 'from' (closed) or 'above' (open), not both")
        if "to" in data and "below" in data:
            raise self.r.fail(path, "give 'to' (closed) or 'below' (open), not both")
        low_key = "from" if "from" in data else "above" if "above" in data else None
        high_key = "to" if "to" in data else "below" if "below" in data else None
        if low_key is None and high_key is None:
            raise self.r.fail(path, "give at least one end: from/above, to/below")
        low = (
            None
            if low_key is None
            else self.amount(data[low_key], f"{path}.{low_key}", variable.unit)
        )
        high = (
            None
            if high_key is None
            else self.amount(data[high_key], f"{path}.{high_key}", variable.unit)
        )
        return Range(low, low_key == "from", high, high_key == "to")

    def condition(self, value: object, path: str, variable: Variable) -> Condition:
        if variable.kind == "quantity":
            return self.range(value, path, variable)
        labels = self.r.clauses(value, path)
        for i, label in enumerate(labels):
            if label not in variable.values:
                raise self.r.fail(
                    f"{path}[{i}]", f"{label!r} is not one of {', '.join(variable.values)}"
                )
        return labels

    def class_map(self, value: object, path: str) -> dict[str, Any]:
        data = self.r.mapping(value, path, open_keys=True)
        for key in data:
            if key not in self.classes:
                raise self.r.fail(
                    f"{path}.{key}", f"not a declared accuracy class ({', '.join(self.classes)})"
                )
        if not data:
            raise self.r.fail(path, "must not be empty")
        return data

    def mpe(self, value: object) -> MpeRule:
        path = "mpe"
        data = self.r.mapping(
            value,
            path,
            required=("kind", "unit", "clause"),
            optional=("relative", "rows", "key", "columns", "in_service"),
        )
        unit = self.r.text(data["unit"], path + ".unit")
        relative = data.get("relative", False)
        if not isinstance(relative, bool):
            raise self.r.fail(path + ".relative", "must be true or false")
        clause = self.r.text(data["clause"], path + ".clause")
        factor, service_clause = None, ""
        if "in_service" in data:
            service = self.r.mapping(
                data["in_service"], path + ".in_service", required=("factor", "clause")
            )
            factor = self.r.decimal(service["factor"], path + ".in_service.factor")
            if factor <= 0:
                raise self.r.fail(path + ".in_service.factor", "must be positive")
            service_clause = self.r.text(service["clause"], path + ".in_service.clause")
        if data["kind"] == "bands":
            for key in ("key", "columns"):
                if key in data:
                    raise self.r.fail(f"{path}.{key}", "only a 'table' rule has this key")
            rows = tuple(
                self.band_row(row, f"{path}.rows[{i}]", unit)
                for i, row in enumerate(self.r.seq(data.get("rows"), path + ".rows"))
            )
            return MpeRule("bands", unit, relative, clause, rows, "", None, factor, service_clause)
        if data["kind"] == "table":
            key, table = self.table(data, path, unit)
            return MpeRule("table", unit, relative, clause, (), key, table, factor, service_clause)
        raise self.r.fail(path + ".kind", f"must be 'bands' or 'table', got {data['kind']!r}")

    def band_row(self, value: object, path: str, unit: str) -> BandRow:
        data = self.r.mapping(value, path, required=("when", "mpe"))
        when_data = self.r.mapping(data["when"], path + ".when", open_keys=True)
        if not when_data:
            raise self.r.fail(path + ".when", "must not be empty")
        when = {
            name: self.condition(
                spec, f"{path}.when.{name}", self.variable(name, f"{path}.when.{name}")
            )
            for name, spec in when_data.items()
        }
        mpe = {
            cls: self.amount(amount, f"{path}.mpe.{cls}", unit)
            for cls, amount in self.class_map(data["mpe"], path + ".mpe").items()
        }
        return BandRow(when, mpe)

    def table(
        self, data: Mapping[str, Any], path: str, unit: str
    ) -> tuple[str, dict[Decimal, dict[str, Decimal | None]]]:
        if "rows" not in data or "key" not in data or "columns" not in data:
            raise self.r.fail(path, "a 'table' rule needs key, columns and rows")
        key = self.r.text(data["key"], path + ".key")
        variable = self.variable(key, path + ".key")
        if (
            variable.kind != "quantity"
            or variable.unit not in _MASS_UNITS
            or unit not in _MASS_UNITS
        ):
            raise self.r.fail(path + ".key", "a table is keyed by a mass quantity (mg, g, kg, t)")
        columns = self.r.clauses(data["columns"], path + ".columns")
        for i, column in enumerate(columns):
            if column not in self.classes:
                raise self.r.fail(
                    f"{path}.columns[{i}]", f"{column!r} is not a declared accuracy class"
                )
        table: dict[Decimal, dict[str, Decimal | None]] = {}
        for i, row in enumerate(self.r.seq(data["rows"], path + ".rows")):
            row_path = f"{path}.rows[{i}]"
            cells = self.r.seq(row, row_path)
            if len(cells) != len(columns) + 1:
                raise self.r.fail(
                    row_path,
                    f"expected {len(columns) + 1} cells (key and one per column), got {len(cells)}",
                )
            nominal = self.mass_key(cells[0], row_path + "[0]", variable.unit)
            if nominal in table:
                raise self.r.fail(row_path + "[0]", f"duplicate key {cells[0]!r}")
            entry: dict[str, Decimal | None] = {}
            for j, (column, cell) in enumerate(zip(columns, cells[1:], strict=True), start=1):
                if cell is None:
                    entry[column] = None
                    continue
                number = self.r.decimal(cell, f"{row_path}[{j}]")
                if number <= 0:
                    raise self.r.fail(f"{row_path}[{j}]", "an MPE must be positive")
                entry[column] = number
            table[nominal] = entry
        return key, table

    def mass_key(self, value: object, path: str, unit: str) -> Decimal:
        text = self.r.text(value, path)
        parts = text.split()
        if len(parts) != 2 or parts[1] not in _MASS_UNITS:
            raise self.r.fail(path, f"{text!r} is not 'number unit' with unit mg, g, kg or t")
        number = self.r.decimal(parts[0], path)
        return number * _MASS_UNITS[parts[1]] / _MASS_UNITS[unit]

    def point_values(self, value: object, path: str) -> dict[str, Amount | str]:
        data = self.r.mapping(value, path, open_keys=True)
        missing = [name for name in self.variables if name not in data]
        if missing:
            raise self.r.fail(f"{path}.{missing[0]}", "every variable needs a value at a point")
        result: dict[str, Amount | str] = {}
        for name, spec in data.items():
            variable = self.variable(name, f"{path}.{name}")
            if variable.kind == "quantity":
                result[name] = self.amount(spec, f"{path}.{name}", variable.unit)
            else:
                label = self.r.text(spec, f"{path}.{name}")
                if label not in variable.values:
                    raise self.r.fail(
                        f"{path}.{name}", f"{label!r} is not one of {', '.join(variable.values)}"
                    )
                result[name] = label
        return result

    def test_plan(self, value: object) -> TestPlan:
        path = "test_points"
        data = self.r.mapping(value, path, required=("clause", "points"), optional=("only_up_to",))
        points = []
        for i, item in enumerate(self.r.seq(data["points"], path + ".points")):
            point_path = f"{path}.points[{i}]"
            spec = self.r.mapping(item, point_path, required=("label", "at"))
            points.append(
                PointSpec(
                    self.r.text(spec["label"], point_path + ".label"),
                    self.point_values(spec["at"], point_path + ".at"),
                )
            )
        limits: dict[str, Amount] = {}
        if "only_up_to" in data:
            raw = self.r.mapping(data["only_up_to"], path + ".only_up_to", open_keys=True)
            for name, spec in raw.items():
                variable = self.variable(name, f"{path}.only_up_to.{name}")
                if variable.kind != "quantity":
                    raise self.r.fail(
                        f"{path}.only_up_to.{name}", "only a quantity has an upper limit"
                    )
                limits[name] = self.amount(spec, f"{path}.only_up_to.{name}", variable.unit)
        return TestPlan(tuple(points), limits, self.r.text(data["clause"], path + ".clause"))

    def standard(self, value: object, path: str) -> RequiredStandard:
        data = self.r.mapping(
            value,
            path,
            required=("quantity", "description", "covers", "max_fraction_of_mpe", "clause"),
            optional=("note",),
        )
        covers_data = self.r.mapping(data["covers"], path + ".covers", open_keys=True)
        covers = {}
        for name, spec in covers_data.items():
            variable = self.variable(name, f"{path}.covers.{name}")
            if variable.kind != "quantity":
                raise self.r.fail(f"{path}.covers.{name}", "only a quantity has a range")
            covers[name] = self.range(spec, f"{path}.covers.{name}", variable)
        raw = self.r.text(data["max_fraction_of_mpe"], path + ".max_fraction_of_mpe")
        try:
            fraction = Fraction(raw)
        except (ValueError, ZeroDivisionError):
            raise self.r.fail(
                path + ".max_fraction_of_mpe", f"{raw!r} is not a fraction such as 1/3"
            ) from None
        if not 0 < fraction <= 1:
            raise self.r.fail(path + ".max_fraction_of_mpe", "must be in (0, 1]")
        return RequiredStandard(
            quantity=self.r.text(data["quantity"], path + ".quantity"),
            description=self.r.localized(data["description"], path + ".description"),
            covers=covers,
            max_fraction_of_mpe=fraction,
            clause=self.r.text(data["clause"], path + ".clause"),
            note=self.r.text(data["note"], path + ".note") if "note" in data else "",
        )

    def environment(self, value: object, path: str) -> EnvironmentLimit:
        data = self.r.mapping(
            value, path, required=("quantity", "unit", "clause"), optional=("min", "max", "classes")
        )
        low = self.r.decimal(data["min"], path + ".min") if "min" in data else None
        high = self.r.decimal(data["max"], path + ".max") if "max" in data else None
        if low is None and high is None:
            raise self.r.fail(path, "give min, max or both")
        if low is not None and high is not None and low > high:
            raise self.r.fail(path, f"min {low} is above max {high}")
        classes: tuple[str, ...] = ()
        if "classes" in data:
            classes = self.r.clauses(data["classes"], path + ".classes")
            for i, cls in enumerate(classes):
                if cls not in self.classes:
                    raise self.r.fail(
                        f"{path}.classes[{i}]", f"{cls!r} is not a declared accuracy class"
                    )
        return EnvironmentLimit(
            self.r.text(data["quantity"], path + ".quantity"),
            self.r.text(data["unit"], path + ".unit"),
            low,
            high,
            self.r.text(data["clause"], path + ".clause"),
            classes,
        )
