"""The body of a registry list table, rendered once per page without django-tables2's
cell-by-cell path (issue 13: the list pages no slower than before the move to
django-tables2).

Why: django-tables2 renders each cell through `BoundRow.get_cell` — an accessor walk, a
`get_FOO_display` of a lazily translated label, `call_with_appropriate` on the render method,
a `LinkTransform`, then one template variable per cell with `column.attrs.td.as_html`
recomputed per cell. At 25 rows × 10 columns that cost twice the queries of the page. Here
everything that is the same for every row — the columns, their td attributes, which arguments
each render method takes, the choice labels in the page's language, the link's view name — is
worked out once per page; each cell then costs its own value and its render method only.

What a cell shows is exactly what django-tables2 would show (tests/registry/test_table_rows.py
compares both for every list, in both languages): the same render_FOO methods of tables.py,
the same empty values and defaults, links, localisation and escaping as the `{{ cell }}` of
the template. A column this module cannot reproduce (a callable attribute, a render method
asking for `bound_row`) is left to django-tables2 for that column only.
"""

from __future__ import annotations

import html
import inspect
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from django.db import models
from django.urls import reverse
from django.utils.encoding import force_str
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime
from django_tables2.columns.base import Column
from django_tables2.columns.checkboxcolumn import CheckBoxColumn
from django_tables2.columns.linkcolumn import BaseLinkColumn
from django_tables2.columns.manytomanycolumn import ManyToManyColumn
from django_tables2.rows import BoundRow
from django_tables2.utils import Accessor

Cell = Callable[[Any], str]
_ARGUMENTS = frozenset({"value", "record", "column", "bound_column", "table"})
_FAILED = object()
_SENTINEL = 987_654_321_987  # an id no table holds, to find where an id goes in a URL


def esc(value: Any) -> str:
    """conditional_escape without its lazy-argument wrappers (the same text: Django's escape
    is html.escape), as a plain str to join."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))


def as_text(value: Any) -> str:
    """A value as the template's `{{ value }}` prints it: localised, escaped."""
    if not isinstance(value, str):
        value = localize(template_localtime(value))
    return esc(value)


def choice_labels(field: models.Field[Any, Any]) -> dict[Any, Any]:
    """The field's choices as get_FOO_display shows them, translated once for the page."""
    return {key: force_str(label, strings_only=True) for key, label in field.flatchoices}


def _walk(parts: list[str], record: Any) -> Any:
    """Accessor.resolve for plain attribute paths ("owner__name_zh"): None past a None."""
    value = record
    for part in parts:
        if value is None:
            return None
        value = getattr(value, part)
        if callable(value) and not isinstance(value, models.Model):
            if getattr(value, "do_not_call_in_templates", False):
                continue
            value = value()
    return value


def _choice_field(model: type[models.Model] | None, accessor: Accessor) -> Any:
    """The model field at the end of the accessor when it has choices (its cell shows the
    label, as django-tables2 does through get_FOO_display), else None."""
    if model is None:
        return None
    try:
        field = accessor.get_field(model)
    except Exception:  # not a field: a property, "pk" of a related object, …
        return None
    return field if getattr(field, "choices", None) else None


def _parameters(fn: Callable[..., Any]) -> tuple[str, ...] | None:
    """The optional cell arguments a render method names; None when it wants one this module
    does not pass (then django-tables2 renders that column). Read once per function."""
    function = getattr(fn, "__func__", None)
    if function is None:
        return _read_parameters(fn)
    if function not in _PARAMETERS:
        _PARAMETERS[function] = _read_parameters(fn)
    return _PARAMETERS[function]


_PARAMETERS: dict[Any, tuple[str, ...] | None] = {}


def _read_parameters(fn: Callable[..., Any]) -> tuple[str, ...] | None:
    signature = inspect.signature(fn)
    names = []
    for parameter in signature.parameters.values():
        if parameter.kind is parameter.VAR_KEYWORD:
            return None
        if parameter.name not in _ARGUMENTS:
            if parameter.default is parameter.empty:
                return None
            continue
        names.append(parameter.name)
    return tuple(names)


def _plain_attrs(bound_column: Any) -> str | None:
    """The td attributes once for the page; None when they depend on the row."""
    raw = dict(bound_column._table.attrs)
    raw.update(dict(bound_column.column.attrs))
    td = raw.get("td", raw.get("cell", {}))
    if any(callable(v) for v in td.values()):
        return None
    return str(bound_column.attrs["td"].as_html())


def _link(bound_column: Any) -> Callable[[Any, str], str] | object | None:
    """A function wrapping a cell in its link, None without a link, _FAILED when the link is
    not a plain (viewname, [accessors]) reverse."""
    link = bound_column.link
    if not link:
        return None
    args = link.reverse_args
    if link.url or link.attrs or set(args) != {"viewname", "args"}:
        return _FAILED
    viewname = args["viewname"]
    accessors = [a if isinstance(a, Accessor) else None for a in args["args"]]
    if None in accessors:
        return _FAILED
    paths = [str(a).split("__") for a in accessors]  # type: ignore[union-attr]

    # a link to one object by its id: reversed once, the id put in per row
    around = reverse(viewname, args=[_SENTINEL]).split(str(_SENTINEL))
    single = len(paths) == 1 and len(around) == 2

    def wrap(record: Any, content: str) -> str:
        values = [_walk(p, record) for p in paths]
        if single and type(values[0]) is int:
            url = f"{around[0]}{values[0]}{around[1]}"
        else:
            url = reverse(viewname, args=values)
        return f'<a href="{esc(url)}">{content}</a>'

    return wrap


def _checkbox(column: CheckBoxColumn, bound_column: Any) -> Callable[..., str] | None:
    """CheckBoxColumn.render with its attributes laid out once: only the value changes."""
    attrs = column.attrs.get("td__input") or column.attrs.get("input") or {}
    if column.checked is not None or any(callable(v) for v in attrs.values()):
        return None
    html = column.render(_SENTINEL, bound_column, None)
    around = str(html).split(str(_SENTINEL))
    if len(around) != 2:
        return None

    def render(value: Any) -> SafeString:
        return mark_safe(f"{around[0]}{esc(value)}{around[1]}")

    return render


def cell_function(table: Any, bound_column: Any) -> Cell | None:
    """The HTML of this column's cell for a record, or None when only django-tables2 can
    render it (see the module's docstring)."""
    column = bound_column.column
    if isinstance(column, (ManyToManyColumn, BaseLinkColumn)):
        return None
    link = _link(bound_column)
    if link is _FAILED:
        return None
    accessor = Accessor(bound_column.accessor)
    parts = str(accessor).split("__")
    field = _choice_field(getattr(table._meta, "model", None), accessor)
    labels = choice_labels(field) if field is not None else None
    render = bound_column.render
    if isinstance(column, CheckBoxColumn) and render == column.render:
        render = _checkbox(column, bound_column)
        if render is None:
            return None
    wanted = _parameters(render)
    if wanted is None:
        return None
    empty = column.empty_values
    default = bound_column.default
    fixed = {"column": column, "bound_column": bound_column, "table": table}

    def cell(record: Any) -> str:
        try:
            value = _walk(parts, record)
        except Exception:  # as django-tables2: an unreadable value shows the default
            value = None
        if labels is not None and value is not None:
            with suppress(TypeError):  # an unhashable value (a list) has no label
                value = labels.get(value, value)
        if value in empty:
            return as_text(default)
        arguments = {"value": value, "record": record}
        content = render(**{name: arguments.get(name, fixed.get(name)) for name in wanted})
        content = as_text(content)
        return link(record, content) if link else content  # type: ignore[operator]

    return cell


def value_function(table: Any, bound_column: Any) -> Cell | None:
    """The export value of this column for a record (BoundRow.get_cell_value: value_FOO,
    else render_FOO, else the column's value), or None when only django-tables2 can say."""
    column = bound_column.column
    if isinstance(column, (ManyToManyColumn, BaseLinkColumn)):
        return None
    accessor = Accessor(bound_column.accessor)
    parts = str(accessor).split("__")
    field = _choice_field(getattr(table._meta, "model", None), accessor)
    labels = choice_labels(field) if field is not None else None
    value_of = bound_column.value
    plain = (
        getattr(value_of, "__func__", None) is Column.value
        and getattr(column.render, "__func__", None) is Column.render
    )
    wanted = () if plain else _parameters(value_of)
    if wanted is None:
        return None
    empty = column.empty_values
    fixed = {"column": column, "bound_column": bound_column, "table": table}

    def value(record: Any) -> Any:
        try:
            found = _walk(parts, record)
        except Exception:  # as django-tables2: an unreadable value is empty
            found = None
        if labels is not None and found is not None:
            with suppress(TypeError):
                found = labels.get(found, found)
        if found in empty:
            return None
        if plain:
            return found
        arguments = {"value": found, "record": record}
        return value_of(**{name: arguments.get(name, fixed.get(name)) for name in wanted})

    return value


def export_row(table: Any, columns: list[Any]) -> Callable[[Any], list[Any]]:
    """A function giving a record's export cells for these bound columns."""
    values = [(value_function(table, c), c.name) for c in columns]

    def row(record: Any) -> list[Any]:
        slow: BoundRow | None = None
        cells = []
        for value, name in values:
            if value is not None:
                cells.append(value(record))
            else:
                slow = slow or BoundRow(record, table=table)
                cells.append(slow.get_cell_value(name))
        return cells

    return row


def render_body(table: Any, records: list[Any]) -> SafeString:
    """The <tr> rows of the table's tbody for these records (the page's rows)."""
    columns = list(table.columns)
    plan: list[tuple[str, Cell | None, Any]] = []
    for bound_column in columns:
        attrs = _plain_attrs(bound_column)
        cell = cell_function(table, bound_column) if attrs is not None else None
        plan.append((f"<td {attrs}>" if attrs is not None else "", cell, bound_column))
    out: list[str] = []
    for record in records:
        unconfirmed = getattr(record, "confirmed", None) is False
        out.append('<tr class="unconfirmed">' if unconfirmed else "<tr>")
        slow: BoundRow | None = None
        for td, cell, bound_column in plan:
            if cell is not None:
                out.append(td)
                out.append(cell(record))
            else:  # django-tables2's own path for this column
                slow = slow or BoundRow(record, table=table)
                content = slow.get_cell(bound_column.name)
                bound_column.current_value, bound_column.current_record = content, record
                out.append(f"<td {bound_column.attrs['td'].as_html()}>")
                out.append(as_text(content))
            out.append("</td>")
        out.append("</tr>\n")
    return mark_safe("".join(out))
