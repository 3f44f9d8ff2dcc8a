"""`{% main_menu as groups %}`: the grouped menu the current user sees (jiliang.navigation)."""

from __future__ import annotations

from typing import Any

from django import template

from jiliang.navigation import Group, menu_for

register = template.Library()


@register.simple_tag(takes_context=True)
def main_menu(context: dict[str, Any]) -> list[Group]:
    request = context.get("request")
    if request is None:
        return []
    return menu_for(getattr(request, "user", None), request.path)
