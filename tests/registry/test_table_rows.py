"""The list tables' rows rendered once per page (registry/table_rows.py) show exactly what
django-tables2's cell-by-cell path shows: every list, several roles, both languages.

The reference is the template loop the lists used before (one `{{ cell }}` per BoundRow
cell), rendered from the same table object the page built.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.template import Context, Template
from django.test import Client
from django.utils import translation

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
    assert rows > 0
