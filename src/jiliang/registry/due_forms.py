"""The due page's filter form: the owner is searched as you type, not chosen from a list.

Why: a national scope's owners are 10^3-10^5 institutions; rendering them as the options of
a select took 1-3 s per page at 10^5 instruments (benchmarks/due_page.py), and issue 13
asks that choices among many records be searched as you type. The picker script fills in
the institution's unified social credit code; an id (links made before) is accepted too.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from jiliang.registry.forms import DueFilter as _ListDueFilter

USCC_LENGTH = 18


class OwnerField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """An institution among `queryset`, by id or by its 18-character USCC."""

    def to_python(self, value: Any) -> Model | None:
        text = str(value or "").strip()
        if len(text) == USCC_LENGTH:
            found = self.queryset.filter(uscc=text.upper()).first()  # type: ignore[union-attr]
            if found is None:
                raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
            return found  # type: ignore[no-any-return]
        return super().to_python(text)  # type: ignore[no-any-return]


class DueFilter(_ListDueFilter):
    """Owner (picked by search) and region (division code) filters of the due list."""

    owner = OwnerField(
        required=False,
        queryset=None,
        label=_("使用单位"),
        widget=forms.TextInput(
            attrs={
                "data-picker": "institutions",
                "autocomplete": "off",
                "placeholder": _("输入名称或代码搜索"),
                "role": "combobox",
                "aria-autocomplete": "list",
                "aria-expanded": "false",
                "class": "data",
            }
        ),
    )
