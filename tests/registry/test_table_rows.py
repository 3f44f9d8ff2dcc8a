"""The list tables' rows rendered once per page (registry/table_rows.py) show exactly what
django-tables2's cell-by-cell path shows, and their export cells are its values: every
list, several roles, both languages; the filter widgets written in Python
(registry/widget_html.py) are Django's templates' markup.

The reference is the template loop the lists used before (one `{{ cell }}` per BoundRow
cell), rendered from the same table object the page built.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.template import Context, Template
from django.test import Client
from django.utils import translation
from django_tables2.rows import BoundRow

from jiliang.registry.listing import export_columns
from jiliang.registry.table_rows import export_row
from tests.registry.test_list_pages import LIST_PAGES

DJANGO_TABLES2_ROWS = Template(
    "{% for row in table.rows %}"
    '<tr{% if row.record.confirmed is False %} class="unconfirmed"{% endif %}>'
    "{% for column, cell in row.items %}<td {{ column.attrs.td.as_html }}>{{ cell }}</td>"
    "{% endfor %}</tr>\n{% endfor %}"
)


def _pages(world: Any, role: str, language: str) -> list[tuple[str, Any, bytes]]:
    client = Client()
    client.force_login(world.users[role])
    if language:
        client.cookies["django_language"] = language
    shown = []
    for path in LIST_PAGES:
        for query in ("", "?sort=-" + ("calibration_date" if "cert" in path else "pk")):
            response = client.get(path + query)
            if response.status_code == 200:
                shown.append((path + query, response.context["table"], response.content))
    return shown


@pytest.mark.parametrize(
    ("role", "language"),
    [("admin", ""), ("admin", "en"), ("market", "en"), ("reg_zibo", ""), ("zibo_lab", "")],
)
def test_rows_match_django_tables2(world, role: str, language: str) -> None:
    pages = _pages(world, role, language)
    assert len(pages) >= len(LIST_PAGES)
    rows = 0
    with translation.override(language or "zh-hans"):
        for path, table, content in pages:
            expected = DJANGO_TABLES2_ROWS.render(Context({"table": table}))
            assert str(table.body_html) == expected, path
            assert str(table.body_html).encode() in content, path
            rows += len(table.rows)
            columns = export_columns(table)
            row = export_row(table, columns)
            for record in table.data.data:  # the export's cells, as BoundRow gives them
                bound = BoundRow(record, table=table)
                expected_cells = [bound.get_cell_value(c.name) for c in columns]
                assert [str(v) for v in row(record)] == [str(v) for v in expected_cells], path
    assert rows > 0


FILTER_QUERIES = [
    {},
    {"q": 'a "quoted" <b>', "status": "in_service", "use_area": "trade", "owner": "3"},
    {"kind": "lab", "division": "37", "conclusion": "fail", "level": "1", "grade": "2"},
    {"status": "no-such", "owner": "abc", "confirmed": "no", "supervision": "x"},
]


@pytest.mark.parametrize("query", FILTER_QUERIES)
def test_filter_widgets_match_djangos_templates(world, query: dict[str, str]) -> None:
    from django.forms.renderers import DjangoTemplates

    from jiliang.registry import filters
    from jiliang.registry.models import Instrument
    from jiliang.registry.widget_html import PythonWidgets

    sets = [
        filters.InstitutionFilterSet,
        filters.PersonFilterSet,
        filters.StandardFilterSet,
        filters.MaterialFilterSet,
        filters.InstrumentFilterSet,
        filters.CertificateFilterSet,
        filters.CatalogueFilterSet,
        filters.SchemeFilterSet,
    ]
    for filterset_class in sets:
        for language in ("zh-hans", "en"):
            with translation.override(language):
                filterset = filterset_class(query, queryset=Instrument.objects.none())
                ours = filterset.form
                assert isinstance(ours.renderer, PythonWidgets)
                theirs = filterset.get_form_class()(query, renderer=DjangoTemplates())
                for name in ours.fields:
                    assert str(ours[name]) == str(theirs[name]), (filterset_class, name)
