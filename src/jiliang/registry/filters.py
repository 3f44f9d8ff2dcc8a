"""django-filter FilterSets of the registry's list pages.

The query-string names are those of the earlier hand-written filter forms (`q`, `kind`,
`division`, `owner`, `status`, …), so saved links and the detail pages' "all of this
institution's …" links keep working. Each FilterSet narrows a queryset that is already
restricted to the user (`visible_to`); a value that does not validate makes the page answer
400 with the field's message, never a 500 or a silently unfiltered list.
"""

from __future__ import annotations

from typing import Any, ClassVar

import django_filters as filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from jiliang.bounds import MAX_ID
from jiliang.registry.models import (
    CatalogueItem,
    Certificate,
    Institution,
    Instrument,
    MeasurementStandard,
    Person,
    Quantity,
    UseArea,
)
from jiliang.registry.widget_html import FilterForm

ALL = _("全部")


class IdFilter(filters.Filter):
    """An institution/instrument id carried from a detail page's link (hidden in the bar)."""

    field_class = forms.IntegerField

    def __init__(self, field_name: str, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        kwargs.setdefault("widget", forms.HiddenInput)
        super().__init__(field_name=field_name, **kwargs)


class RegexFilter(filters.Filter):
    field_class = forms.RegexField


class SearchFilterSet(filters.FilterSet):
    """`q` searches `search_fields` (icontains, any of them); other filters match exactly."""

    q = filters.CharFilter(label=_("搜索"), method="search", max_length=100)
    search_fields: ClassVar[tuple[str, ...]] = ()

    class Meta:
        form = FilterForm  # widgets written in Python (widget_html.py says why)

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        text = (value or "").strip()
        if not text:
            return queryset
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": text})
        return queryset.filter(condition)


def _choices(field: str, choices: Any, label: str) -> filters.ChoiceFilter:
    return filters.ChoiceFilter(field_name=field, choices=choices, label=label, empty_label=ALL)


def _region_prefix(code: str) -> str:
    """A typed region may be a full code ('370300') or its significant digits ('3703')."""
    from jiliang.registry.querysets import region_prefix

    return region_prefix(code) if len(code) == 6 else code


class InstitutionFilterSet(SearchFilterSet):
    kind = _choices("kind", Institution.Kind.choices, _("类型"))
    division = RegexFilter(
        label=_("行政区划"),
        method="in_division",
        regex=r"^(\d{2}|\d{4}|\d{6})$",
        error_messages={"invalid": _("行政区划代码应为2、4或6位数字（GB/T 2260）")},
    )
    search_fields = ("name_zh", "name_en", "uscc", "address")

    def in_division(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        from jiliang.registry.querysets import in_region

        return queryset.filter(in_region("division_code", _region_prefix(value)))


class PersonFilterSet(SearchFilterSet):
    institution = IdFilter("institution_id")
    level = filters.TypedChoiceFilter(
        field_name="level",
        label=_("级别"),
        choices=[("", ALL), *Person.Level.choices],
        coerce=int,
        empty_value=None,
    )
    search_fields = ("name", "registration_number")


class StandardFilterSet(SearchFilterSet):
    institution = IdFilter("institution_id")
    kind = _choices("kind", MeasurementStandard.Kind.choices, _("类型"))
    status = _choices("status", MeasurementStandard.Status.choices, _("状态"))
    quantity = filters.ModelChoiceFilter(
        field_name="quantity",
        queryset=Quantity.objects.visible_to(None),
        label=_("量"),
        empty_label=ALL,
    )
    search_fields = ("code", "name", "institution__name_zh")


class MaterialFilterSet(SearchFilterSet):
    grade = filters.TypedChoiceFilter(
        field_name="grade",
        label=_("等级"),
        choices=[("", ALL), (1, "GBW"), (2, "GBW(E)")],
        coerce=int,
        empty_value=None,
    )
    search_fields = ("gbw_number", "name")


class InstrumentFilterSet(SearchFilterSet):
    owner = IdFilter("owner_id")
    status = _choices("status", Instrument.Status.choices, _("状态"))
    use_area = _choices("use_area", UseArea.choices, _("用途"))
    category = filters.ModelChoiceFilter(
        field_name="category",
        queryset=CatalogueItem.objects.visible_to(None),
        label=_("目录"),
        empty_label=ALL,
    )
    search_fields = ("name", "serial_number", "maker", "model", "owner__name_zh", "location")


class CertificateFilterSet(SearchFilterSet):
    issuer = IdFilter("issuer_id")
    instrument = IdFilter("instrument_id")
    kind = _choices("kind", Certificate.Kind.choices, _("类型"))
    conclusion = _choices("conclusion", Certificate.Conclusion.choices, _("结论"))
    search_fields = ("number", "regulation", "instrument__serial_number", "instrument__name")


class CatalogueFilterSet(SearchFilterSet):
    confirmed = filters.TypedChoiceFilter(
        field_name="confirmed",
        label=_("确认"),
        choices=[("", ALL), ("yes", _("已确认")), ("no", _("未确认"))],
        coerce=lambda v: v == "yes",
        empty_value=None,
    )
    supervision = _choices("supervision", CatalogueItem.Supervision.choices, _("监管方式"))
    search_fields = ("number", "name_zh", "name_en", "note")


class SchemeFilterSet(SearchFilterSet):
    search_fields = ("code", "title_zh", "title_en")
