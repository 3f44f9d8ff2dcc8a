"""Forms of the other records an institution keeps one at a time (issue 13 §1): measurement
standards with their equipment, reference materials, people and their registrations.

Equipment is chosen among the institution's own instruments (the picker with `own=1`);
quantities are typed with their unit and converted with pint, as on the instrument form.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiliang.registry.edit_forms import _picker, _quantity_input
from jiliang.registry.models import MeasurementStandard, Person, Quantity, ReferenceMaterial
from jiliang.units import UnitError, compatible, parse, to_unit

ROLES = (
    ("verifier", gettext_lazy("检定/校准员")),
    ("checker", gettext_lazy("核验员")),
    ("approver", gettext_lazy("批准人")),
)
MAX_EQUIPMENT = 200


def _with_units(form: forms.Form, data: dict[str, Any], names: tuple[str, ...]) -> None:
    """Convert the typed quantities to the record's unit, or put the reason on the field."""
    unit = data.get("unit", "")
    quantity = data.get("quantity")
    if unit and quantity is not None and quantity.unit:
        try:
            if not compatible(unit, quantity.unit):
                form.add_error(
                    "unit",
                    _("%(unit)s 不是%(quantity)s的单位（应与 %(base)s 同量纲）")
                    % {"unit": unit, "quantity": quantity.name_zh, "base": quantity.unit},
                )
        except UnitError as exc:
            form.add_error("unit", str(exc))
    for name in names:
        text = (data.get(name) or "").strip()
        if not text:
            data[name] = None
            continue
        try:
            data[name] = to_unit(text, unit) if unit else parse(text).magnitude
        except UnitError as exc:
            form.add_error(name, str(exc))


def _shown(value: float | None, unit: str) -> str:
    return "" if value is None else f"{value:g} {unit}".strip()


class StandardForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("标准名称"), max_length=160)
    code = forms.CharField(label=gettext_lazy("标准代码"), max_length=40)
    kind = forms.ChoiceField(
        label=gettext_lazy("标准类别"), choices=MeasurementStandard.Kind.choices
    )
    quantity = forms.ModelChoiceField(
        label=gettext_lazy("计量类别"), queryset=Quantity.objects.all(), to_field_name="code"
    )
    unit = forms.CharField(label=gettext_lazy("单位"), max_length=20)
    range_min = forms.CharField(
        label=gettext_lazy("测量范围下限"), max_length=40, widget=_quantity_input()
    )
    range_max = forms.CharField(
        label=gettext_lazy("测量范围上限"), max_length=40, widget=_quantity_input()
    )
    expanded_uncertainty = forms.CharField(
        label=gettext_lazy("扩展不确定度 U (k=2)"),
        max_length=40,
        required=False,
        widget=_quantity_input(),
    )
    uncertainty_is_relative = forms.BooleanField(
        label=gettext_lazy("不确定度为相对值"), required=False
    )
    accuracy_class = forms.CharField(
        label=gettext_lazy("准确度等级"), max_length=20, required=False
    )
    mpe = forms.CharField(
        label=gettext_lazy("最大允许误差"), max_length=40, required=False, widget=_quantity_input()
    )
    add_equipment = forms.CharField(
        label=gettext_lazy("添加配套设备（本单位器具）"),
        max_length=60,
        required=False,
        widget=_picker("instruments", gettext_lazy("输入出厂编号或名称搜索")),
    )
    equipment = forms.CharField(
        label=gettext_lazy("配套设备（出厂编号，每行一个）"),
        required=False,
        max_length=MAX_EQUIPMENT * 61,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, instance: MeasurementStandard | None = None, **kw: Any) -> None:
        self.instance = instance
        if instance is not None and "initial" not in kw:
            unit = instance.unit
            kw["initial"] = {
                "name": instance.name,
                "code": instance.code,
                "kind": instance.kind,
                "quantity": instance.quantity.code,
                "unit": unit,
                "range_min": _shown(instance.range_min, unit),
                "range_max": _shown(instance.range_max, unit),
                "expanded_uncertainty": (
                    f"{instance.expanded_uncertainty:g}"
                    if instance.uncertainty_is_relative and instance.expanded_uncertainty
                    else _shown(instance.expanded_uncertainty, unit)
                ),
                "uncertainty_is_relative": instance.uncertainty_is_relative,
                "accuracy_class": instance.accuracy_class,
                "mpe": _shown(instance.mpe, unit),
                "equipment": "\n".join(
                    instance.equipment.order_by("serial_number").values_list(
                        "serial_number", flat=True
                    )
                ),
            }
        super().__init__(*args, **kw)
        self.fields["add_equipment"].widget.attrs["data-picker-query"] = "own=1&value=serial"
        self.fields["add_equipment"].widget.attrs["data-picker-append"] = "id_equipment"

    def clean_equipment(self) -> list[str]:
        serials = [s.strip() for s in self.cleaned_data["equipment"].splitlines() if s.strip()]
        if len(serials) > MAX_EQUIPMENT:
            raise forms.ValidationError(_("配套设备最多 %(n)s 台") % {"n": MAX_EQUIPMENT})
        return list(dict.fromkeys(serials))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        relative = data.get("uncertainty_is_relative")
        names = ("range_min", "range_max", "mpe") + (() if relative else ("expanded_uncertainty",))
        _with_units(self, data, names)
        if relative:
            text = (data.get("expanded_uncertainty") or "").strip()
            try:
                data["expanded_uncertainty"] = parse(text).magnitude if text else None
            except UnitError as exc:
                self.add_error("expanded_uncertainty", str(exc))
        low, high = data.get("range_min"), data.get("range_max")
        if isinstance(low, float) and isinstance(high, float) and high < low:
            self.add_error("range_max", _("上限不能低于下限"))
        return data


class MaterialForm(forms.Form):
    gbw_number = forms.CharField(label=gettext_lazy("标准物质编号 (GBW)"), max_length=16)
    name = forms.CharField(label=gettext_lazy("名称"), max_length=160)
    quantity = forms.ModelChoiceField(
        label=gettext_lazy("计量类别"), queryset=Quantity.objects.all(), to_field_name="code"
    )
    unit = forms.CharField(label=gettext_lazy("单位"), max_length=20)
    certified_value = forms.CharField(
        label=gettext_lazy("标准值"), max_length=40, widget=_quantity_input()
    )
    expanded_uncertainty = forms.CharField(
        label=gettext_lazy("扩展不确定度"), max_length=40, widget=_quantity_input()
    )
    coverage_factor = forms.FloatField(label=gettext_lazy("包含因子 k"), initial=2.0, min_value=1.0)
    expiry = forms.DateField(
        label=gettext_lazy("有效期至"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, instance: ReferenceMaterial | None = None, **kw: Any) -> None:
        self.instance = instance
        if instance is not None and "initial" not in kw:
            unit = instance.unit
            kw["initial"] = {
                "gbw_number": instance.gbw_number,
                "name": instance.name,
                "quantity": instance.quantity.code,
                "unit": unit,
                "certified_value": _shown(instance.certified_value, unit),
                "expanded_uncertainty": _shown(instance.expanded_uncertainty, unit),
                "coverage_factor": instance.coverage_factor,
                "expiry": instance.expiry,
            }
        super().__init__(*args, **kw)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        _with_units(self, data, ("certified_value", "expanded_uncertainty"))
        return data


class PersonForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=60)
    registration_number = forms.CharField(label=gettext_lazy("注册证书编号"), max_length=40)
    level = forms.TypedChoiceField(
        label=gettext_lazy("级别"), choices=Person.Level.choices, coerce=int
    )
    registration_scope = forms.CharField(
        label=gettext_lazy("注册项目"),
        max_length=400,
        help_text=gettext_lazy("计量类别代码或目录项编号，用逗号分隔，如 mass, C01"),
    )
    valid_from = forms.DateField(
        label=gettext_lazy("注册有效期自"), widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_until = forms.DateField(
        label=gettext_lazy("注册有效期至"), widget=forms.DateInput(attrs={"type": "date"})
    )
    roles = forms.MultipleChoiceField(
        label=gettext_lazy("签字角色"),
        choices=ROLES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, instance: Person | None = None, **kw: Any) -> None:
        self.instance = instance
        if instance is not None and "initial" not in kw:
            kw["initial"] = {
                "name": instance.name,
                "registration_number": instance.registration_number,
                "level": instance.level,
                "registration_scope": ", ".join(map(str, instance.registration_scope)),
                "valid_from": instance.valid_from,
                "valid_until": instance.valid_until,
                "roles": list(instance.roles),
            }
        super().__init__(*args, **kw)

    def clean_registration_scope(self) -> list[str]:
        text = self.cleaned_data["registration_scope"].replace("，", ",")
        items = [s.strip() for s in text.split(",") if s.strip()]
        if not items:
            raise forms.ValidationError(_("请填写注册项目"))
        return list(dict.fromkeys(items))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end <= start:
            self.add_error("valid_until", _("有效期至须晚于有效期自"))
        return data
