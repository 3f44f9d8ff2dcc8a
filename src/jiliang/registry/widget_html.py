"""The list pages' filter forms rendered in Python, with the markup of Django's own widget
templates (issue 13: the list pages no slower than before).

Why: Django renders each widget through its template files — a select is one template per
option, each including the attributes template — which cost the instrument list more than
its rows once the rows were fast (table_rows.py). Text inputs, hidden inputs and selects are
written here from the widget's own context (`get_context`: the same values, attributes and
selected options), character for character what the templates give
(tests/registry/test_table_rows.py compares both); any other widget goes to Django's
renderer unchanged.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.renderers import BaseRenderer, get_default_renderer

from jiliang.registry.table_rows import esc

INPUTS = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in ("input", "text", "hidden", "number", "search", "email", "url", "date")
)
SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"


def _text(value: Any) -> str:
    return esc(str(value))


def _attrs(attrs: dict[str, Any]) -> str:
    """django/forms/widgets/attrs.html."""
    return "".join(
        f" {_text(name)}" if value is True else f' {_text(name)}="{_text(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input(widget: dict[str, Any]) -> str:
    value = widget["value"]
    shown = "" if value is None else f' value="{_text(value)}"'
    return (
        f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{shown}'
        f"{_attrs(widget['attrs'])}>"
    )


def _select(widget: dict[str, Any]) -> str | None:
    parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in group_choices:
            if option["template_name"] != OPTION:
                return None
            parts.append(
                f'\n  <option value="{_text(option["value"])}"{_attrs(option["attrs"])}>'
                f"{_text(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


class PythonWidgets(BaseRenderer):
    """A form renderer writing inputs and selects in Python; the rest as Django does."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        widget = context.get("widget")
        html: str | None = None
        if widget is not None and template_name in INPUTS:
            html = _input(widget)
        elif widget is not None and template_name == SELECT:
            html = _select(widget)
        if html is None:
            return get_default_renderer().render(template_name, context, request)
        return html

    def get_template(self, template_name: str) -> Any:
        return get_default_renderer().get_template(template_name)


class FilterForm(forms.Form):
    """The form class of the list pages' FilterSets."""

    default_renderer = PythonWidgets()
