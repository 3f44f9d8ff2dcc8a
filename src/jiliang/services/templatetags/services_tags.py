"""Labels of the workflow's steps in the pages (the engine's step names are identifiers)."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

STEP_LABELS = {
    "submit": _("提交申请"),
    "correct": _("一次性告知补正"),
    "resubmit": _("提交补正"),
    "accept": _("受理"),
    "refuse": _("不予受理"),
    "assign": _("指派考评员"),
    "result": _("技术评审结论"),
    "decide": _("决定"),
    "approve": _("批准"),
    "reject": _("不予批准"),
}


@register.filter
def step_label(step: str) -> str:
    return str(STEP_LABELS.get(step, step))


@register.filter
def kind_name(kind: object) -> str:
    """A kind's name in the page's language (kinds.yaml holds both)."""
    from django.utils.translation import get_language

    if (get_language() or "").startswith("en"):
        return str(getattr(kind, "name_en", ""))
    return str(getattr(kind, "name", ""))
