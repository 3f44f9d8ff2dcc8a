"""`{% unread_notices %}`: the header's unread count, without a context processor."""

from __future__ import annotations

from typing import Any

from django import template

from jiliang.notices.services import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notices(context: dict[str, Any]) -> int:
    request = context.get("request")
    return unread_count(getattr(request, "user", None))
