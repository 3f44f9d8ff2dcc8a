"""Forms of the cloud pages; the rules live in services (the API uses the same)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jiliang.registry.models import Quantity


class DemandForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=160, required=False)
    quantity = forms.ModelChoiceField(
        label=_("量"), queryset=Quantity.objects.order_by("code"), to_field_name="code"
    )
    low = forms.FloatField(label=_("测量点（下限）"))
    high = forms.FloatField(label=_("上限（单点可留空）"), required=False)
    unit = forms.CharField(label=_("单位"), max_length=20)
    required_u = forms.FloatField(label=_("要求的扩展不确定度 U (k=2)"), min_value=0)
    required_u_unit = forms.CharField(label=_("U 的单位"), max_length=20)
    deadline = forms.DateField(label=_("期限"), widget=forms.DateInput(attrs={"type": "date"}))

    def as_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        high = d["high"] if d["high"] is not None else d["low"]
        return {
            "title": d["title"],
            "quantity": d["quantity"].code,
            "range": {"min": d["low"], "max": high, "unit": d["unit"]},
            "required_U": {"value": d["required_u"], "unit": d["required_u_unit"], "k": 2},
            "deadline": d["deadline"].isoformat(),
        }


class AnswerForm(forms.Form):
    # the choices name standards and institutions: data values (docs/ui.md)
    capability = forms.ChoiceField(
        label=_("使用的测量能力"), widget=forms.Select(attrs={"class": "data"})
    )
    note = forms.CharField(label=_("说明"), max_length=400, required=False)

    def __init__(self, *args: Any, capabilities: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        caps = capabilities if capabilities is not None else []
        self.fields["capability"].choices = [(c.code, f"{c.code} · {c.instrument}") for c in caps]
