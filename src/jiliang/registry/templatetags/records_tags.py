"""Template helpers of the record pages: the change log with names, not ids."""

from __future__ import annotations

from typing import Any

from django import template

from jiliang.accounts.audit import readable_changes, user_name

register = template.Library()


@register.simple_tag
def readable_diff(label: str, change: Any) -> list[tuple[str, str, str]]:
    """The changed fields of one change-log entry, names and labels instead of ids."""
    return readable_changes(label, change.before, change.after)


@register.filter
def person(user: Any) -> str:
    return user_name(user)


@register.simple_tag
def may_act(user: Any, owner: Any) -> bool:
    """Whether the user may edit and change the state of the owner's records."""
    from jiliang.registry.record_rules import acts_for

    return acts_for(user, owner)
