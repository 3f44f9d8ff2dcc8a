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
