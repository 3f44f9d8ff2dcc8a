"""Forms of the registry pages: search/filter forms validate the query string so that a bad
parameter gets a message naming the field instead of a 500 or a silently wrong list."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from jiliang.registry.amendments import CORRECTABLE, resolve_signatory
from jiliang.registry.models import (
    Certificate,
    Institution,
    Person,
)

ALL = _("— 全部 —")


# The list pages' filters are django-filter FilterSets in filters.py (same query names).


def _region_prefix(code: str) -> str:
    """A typed region may be a full code ('370300') or its significant digits ('3703')."""
    if len(code) == 6:
        from jiliang.registry.querysets import region_prefix

        return region_prefix(code)
    return code


class ImpactForm(forms.Form):
    """The date on which the standard was found nonconforming (ISO/IEC 17025 7.10)."""

    on = forms.DateField(
        label=_("发现不合格日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_on(self) -> dt.date:
        value: dt.date = self.cleaned_data["on"]
        if value > dt.date.today() + dt.timedelta(days=1):
            raise forms.ValidationError("the date lies in the future")
        return value


class DueFilter(forms.Form):
    """Owner and region (division code) filters of the due list."""

    owner = forms.ModelChoiceField(
        required=False,
        queryset=Institution.objects.none(),
        label=_("使用单位"),
        empty_label=ALL,
        widget=forms.Select(attrs={"class": "data"}),  # institutions' names are data
    )
    region = forms.RegexField(
        required=False,
        regex=r"^(\d{2}|\d{4}|\d{6})$",
        label=_("行政区划"),
        error_messages={"invalid": "2, 4 or 6 digits of a GB/T 2260 code, e.g. 37 or 370300"},
    )

    def __init__(self, *args: Any, owners: QuerySet[Institution], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner_field = self.fields["owner"]
        assert isinstance(owner_field, forms.ModelChoiceField)
        owner_field.queryset = owners

    def region_code(self) -> str | None:
        """A six-digit code for services.due_list, which takes GB/T 2260 codes."""
        region = self.cleaned_data.get("region")
        if not region:
            return None
        return region if len(region) == 6 else region.ljust(6, "0")


# An <input type="date"> takes ISO 8601 whatever the page's language.
_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AmendForm(forms.Form):
    """An amendment 更正/替代 of an issued certificate, prefilled from the original.

    Only the fields an amendment may correct are here (amendments.CORRECTABLE and the three
    signatories); the rest is copied from the original by amendments.issue_amendment.
    """

    number = forms.CharField(max_length=60, label=_("新证书编号"))
    amendment = forms.ChoiceField(
        label=_("更正/替代"),
        choices=[
            (Certificate.Amendment.AMENDS.value, Certificate.Amendment.AMENDS.label),
            (Certificate.Amendment.SUBSTITUTES.value, Certificate.Amendment.SUBSTITUTES.label),
        ],
    )
    kind = forms.ChoiceField(label=_("类型"), choices=Certificate.Kind.choices)
    regulation = forms.CharField(max_length=40, label=_("规程"))
    calibration_date = forms.DateField(label=_("检定/校准日期"), widget=_DATE)
    issued_on = forms.DateField(label=_("签发日期"), widget=_DATE)
    valid_until = forms.DateField(
        required=False,
        label=_("有效期至"),
        widget=_DATE,
    )
    conclusion = forms.ChoiceField(label=_("结论"), choices=Certificate.Conclusion.choices)
    accuracy_class = forms.CharField(required=False, max_length=20, label=_("准确度等级"))
    verifier = forms.CharField(required=False, max_length=40, label=_("检定员注册号"))
    checker = forms.CharField(required=False, max_length=40, label=_("核验员注册号"))
    approver = forms.CharField(required=False, max_length=40, label=_("批准人注册号"))

    ROLES = ("verifier", "checker", "approver")

    def __init__(
        self, *args: Any, original: Certificate, people: QuerySet[Person], **kwargs: Any
    ) -> None:
        initial = {
            "amendment": Certificate.Amendment.AMENDS.value,
            "kind": original.kind,
            "regulation": original.regulation,
            "calibration_date": original.calibration_date,
            "issued_on": max(original.issued_on, dt.date.today()),
            "valid_until": original.valid_until,
            "conclusion": original.conclusion,
            "accuracy_class": original.accuracy_class,
        }
        for role in self.ROLES:
            person = getattr(original, role)
            initial[role] = person.registration_number if person is not None else ""
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.original = original
        self.people = people

    def _person(self, role: str) -> Person | None:
        try:
            return resolve_signatory(self.original, role, self.cleaned_data.get(role), self.people)
        except ValidationError as exc:
            raise forms.ValidationError(exc.message_dict[role]) from None

    def clean_verifier(self) -> Person | None:
        return self._person("verifier")

    def clean_checker(self) -> Person | None:
        return self._person("checker")

    def clean_approver(self) -> Person | None:
        return self._person("approver")

    def changes(self) -> dict[str, Any]:
        """The correctable fields as submitted (unchanged ones are harmless to pass)."""
        return {name: self.cleaned_data[name] for name in CORRECTABLE}

    def signatories(self) -> dict[str, Person | None]:
        return {role: self.cleaned_data[role] for role in self.ROLES}


class ImportForm(forms.Form):
    """A file of instruments, standards or certificates to import all or nothing."""

    kind = forms.ChoiceField(
        label=_("文件内容"),
        choices=[
            ("instruments", _("计量器具")),
            ("standards", _("计量标准")),
            ("certificates", _("证书")),
        ],
    )
    file = forms.FileField(label=_("文件（.csv UTF-8 或 .xlsx）"))
