"""Forms of the record pages and their API (issue 13 §1): one set of cleaning rules for both.

Choices among many records are text inputs that the search-as-you-type picker fills
(`static/jiliang/records/picker.js`); typed by hand, an exact code works too (USCC, serial,
division code). Quantities are typed with their unit and converted with pint (`jiliang.units`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiliang.registry.models import (
    CatalogueItem,
    Institution,
    Instrument,
    MeasurementStandard,
    Quantity,
    UseArea,
)
from jiliang.registry.regions import region
from jiliang.registry.state_changes import STATE_LABELS
from jiliang.units import UnitError, compatible, parse, to_unit


def _picker(kind: str, placeholder: Any = "") -> forms.TextInput:
    """A text input the picker script turns into a search-as-you-type field."""
    widget = forms.TextInput(
        attrs={
            "data-picker": kind,
            "autocomplete": "off",
            "placeholder": placeholder,
            "role": "combobox",
            "aria-autocomplete": "list",
            "aria-expanded": "false",
        }
    )
    widget.is_picker = True  # type: ignore[attr-defined]
    return widget


def _quantity_input(unit_hint: str = "") -> forms.TextInput:
    widget = forms.TextInput(attrs={"data-unit": unit_hint, "inputmode": "decimal"})
    widget.is_quantity = True  # type: ignore[attr-defined]
    return widget


class InstrumentForm(forms.Form):
    owner = forms.CharField(
        label=gettext_lazy("所有者（统一社会信用代码）"),
        max_length=18,
        widget=_picker("institutions", gettext_lazy("输入名称或代码搜索")),
    )
    name = forms.CharField(label=gettext_lazy("器具名称"), max_length=120)
    serial_number = forms.CharField(label=gettext_lazy("出厂编号"), max_length=60)
    division_code = forms.CharField(
        label=gettext_lazy("所在地区（行政区划代码）"),
        max_length=6,
        widget=_picker("regions", gettext_lazy("输入地名搜索，如 张店")),
    )
    location = forms.CharField(label=gettext_lazy("使用地点"), max_length=160, required=False)
    category = forms.ModelChoiceField(
        label=gettext_lazy("强制管理目录项"),
        queryset=CatalogueItem.objects.all(),
        to_field_name="number",
        required=False,
    )
    quantity = forms.ModelChoiceField(
        label=gettext_lazy("计量类别"),
        queryset=Quantity.objects.all(),
        to_field_name="code",
        required=False,
    )
    use_area = forms.ChoiceField(
        label=gettext_lazy("使用领域"), choices=UseArea.choices, initial=UseArea.OTHER
    )
    maker = forms.CharField(label=gettext_lazy("制造商"), max_length=120, required=False)
    model = forms.CharField(label=gettext_lazy("型号"), max_length=80, required=False)
    cpa_mark = forms.CharField(label=gettext_lazy("型式批准标志"), max_length=40, required=False)
    unit = forms.CharField(
        label=gettext_lazy("单位"),
        max_length=20,
        required=False,
        help_text=gettext_lazy("测量范围与最大允许误差所用单位，如 kg、MPa"),
    )
    range_min = forms.CharField(
        label=gettext_lazy("测量范围下限"), max_length=40, required=False, widget=_quantity_input()
    )
    range_max = forms.CharField(
        label=gettext_lazy("测量范围上限"), max_length=40, required=False, widget=_quantity_input()
    )
    accuracy_class = forms.CharField(
        label=gettext_lazy("准确度等级"), max_length=20, required=False
    )
    mpe = forms.CharField(
        label=gettext_lazy("最大允许误差"), max_length=40, required=False, widget=_quantity_input()
    )
    part_of_standard = forms.CharField(
        label=gettext_lazy("所属计量标准（代码）"), max_length=40, required=False
    )

    def __init__(self, *args: Any, instance: Instrument | None = None, **kwargs: Any) -> None:
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_of(instance)
        super().__init__(*args, **kwargs)
        if instance is not None:  # the owner changes by a transfer, not by editing
            self.fields["owner"].required = False
            self.fields["owner"].disabled = True

    def clean_owner(self) -> Institution | None:
        if self.instance is not None:
            return self.instance.owner
        code = self.cleaned_data["owner"].strip().upper()
        owner = Institution.objects.filter(uscc=code).first()
        if owner is None:
            raise forms.ValidationError(
                _("没有统一社会信用代码为 %(uscc)s 的机构；未在平台上的客户请先登记客户")
                % {"uscc": code}
            )
        return owner

    def clean_division_code(self) -> str:
        code = self.cleaned_data["division_code"].strip()
        if region(code) is None:
            raise forms.ValidationError(
                _("%(code)s 不是 GB/T 2260 行政区划代码；请输入地名选择") % {"code": code}
            )
        return code

    def clean_unit(self) -> str:
        unit = self.cleaned_data["unit"].strip()
        if unit:
            try:
                parse("1", unit)
            except UnitError as exc:
                raise forms.ValidationError(str(exc)) from exc
        return unit

    def clean_part_of_standard(self) -> MeasurementStandard | None:
        code = self.cleaned_data["part_of_standard"].strip()
        if not code:
            return None
        standard = MeasurementStandard.objects.filter(code=code).first()
        if standard is None:
            raise forms.ValidationError(_("没有代码为 %(code)s 的计量标准") % {"code": code})
        return standard

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        unit = data.get("unit", "")
        quantity = data.get("quantity")
        if unit and quantity is not None and quantity.unit:
            try:
                same = compatible(unit, quantity.unit)
            except UnitError:
                same = True  # a unit pint cannot read (dB …) is left to the person
            if not same:
                self.add_error(
                    "unit",
                    _("%(unit)s 不是%(quantity)s的单位（应与 %(base)s 同量纲）")
                    % {"unit": unit, "quantity": quantity.name_zh, "base": quantity.unit},
                )
        for name in ("range_min", "range_max", "mpe"):
            text = (data.get(name) or "").strip()
            if not text:
                data[name] = None
                continue
            try:
                data[name] = to_unit(text, unit) if unit else parse(text).magnitude
                if not unit and parse(text).unit:
                    self.add_error("unit", _("填写了带单位的数值，请同时填写器具的单位"))
            except UnitError as exc:
                self.add_error(name, str(exc))
        low, high = data.get("range_min"), data.get("range_max")
        if isinstance(low, float) and isinstance(high, float) and high < low:
            self.add_error("range_max", _("上限不能低于下限"))
        return data


def initial_of(instrument: Instrument) -> dict[str, Any]:
    """The edit form's values: quantities shown with the instrument's unit."""
    unit = instrument.unit

    def shown(value: float | None) -> str:
        if value is None:
            return ""
        return f"{value:g} {unit}".strip()

    return {
        "owner": instrument.owner.uscc,
        "name": instrument.name,
        "serial_number": instrument.serial_number,
        "division_code": instrument.division_code,
        "location": instrument.location,
        "category": instrument.category.number if instrument.category_id else None,
        "quantity": instrument.quantity.code if instrument.quantity_id else None,
        "use_area": instrument.use_area,
        "maker": instrument.maker,
        "model": instrument.model,
        "cpa_mark": instrument.cpa_mark,
        "unit": unit,
        "range_min": shown(instrument.range_min),
        "range_max": shown(instrument.range_max),
        "accuracy_class": instrument.accuracy_class,
        "mpe": shown(instrument.mpe),
        "part_of_standard": instrument.part_of_standard.code
        if instrument.part_of_standard_id
        else "",
    }


class CustomerForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("单位名称"), max_length=120)
    uscc = forms.CharField(label=gettext_lazy("统一社会信用代码"), min_length=18, max_length=18)
    division_code = forms.CharField(
        label=gettext_lazy("所在地区（行政区划代码）"),
        max_length=6,
        widget=_picker("regions", gettext_lazy("输入地名搜索，如 张店")),
    )
    address = forms.CharField(label=gettext_lazy("地址"), max_length=200, required=False)

    def clean_division_code(self) -> str:
        code = self.cleaned_data["division_code"].strip()
        if region(code) is None:
            raise forms.ValidationError(
                _("%(code)s 不是 GB/T 2260 行政区划代码；请输入地名选择") % {"code": code}
            )
        return code


class StateForm(forms.Form):
    state = forms.ChoiceField(label=gettext_lazy("状态变更"), choices=list(STATE_LABELS.items()))
    reason = forms.CharField(label=gettext_lazy("原因"), max_length=200)
    on = forms.DateField(
        label=gettext_lazy("日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        initial=dt.date.today,
    )
    to_owner = forms.CharField(
        label=gettext_lazy("接收单位（转让时填写）"),
        max_length=18,
        required=False,
        widget=_picker("institutions", gettext_lazy("输入名称或代码搜索")),
    )
