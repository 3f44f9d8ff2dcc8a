"""django-tables2 Tables of the registry's list pages: columns, their sort keys and the
values of an export (the cell as text, so a CSV/Excel row reads like the page's row).

Why only some columns sort: at 10^6 instruments and 2x10^6 certificates a sort the database
cannot read from an index is a sort of every visible row on each page view. The sortable
columns of the two large tables are those with an index behind them (or, for a restricted
user, a small enough scope); the small registers (institutions, people, standards,
materials, catalogue, schemes) sort on every stored column. `listing.ordering` refuses any
other `sort` value, so a hand-made URL cannot ask for a slow sort either.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import django_tables2 as tables
from django.utils.functional import cached_property
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_tables2 import utils as dt2_utils
from django_tables2.data import TableData
from django_tables2.rows import BoundRows
from django_tables2.utils import Accessor, OrderByTuple

from jiliang.registry.models import (
    CatalogueItem,
    Certificate,
    Institution,
    Instrument,
    MeasurementStandard,
    Person,
    ReferenceMaterial,
    VerificationScheme,
)
from jiliang.registry.table_rows import choice_labels, esc, render_body

A = Accessor

# a cell that shows a stored value (a name, a place): data, not interface text (docs/ui.md)
DATA: dict[str, Any] = {"td": {"class": "data"}}


def format_html(template: str, *args: Any) -> SafeString:
    """django.utils.html.format_html (each argument conditionally escaped), without the
    lazy-argument wrappers of its escape: it runs for every cell of a list page."""
    return mark_safe(template.format(*map(esc, args)))


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _pair(zh: str, en: str) -> SafeString:
    """A value stored in both languages: the page's language first, the other one small."""
    if _english() and en:
        return format_html('{}<br><small class="muted"><bdi lang="zh">{}</bdi></small>', en, zh)
    if en:
        return format_html('{}<br><small class="muted">{}</small>', zh, en)
    return format_html('<bdi lang="zh">{}</bdi>', zh)


def _cache_signatures() -> None:
    """Read each render/value method's signature once, not once per cell.

    django-tables2 calls `inspect.signature` for every cell it renders (to pass a method only
    the arguments it names): 225 cells a page made the table cost more than the queries. A
    bound method's signature is its function's, whatever the instance, so it is cached by
    function; anything else (a lambda, a partial) is inspected as before.
    """
    plain = getattr(dt2_utils, "signature", None)
    if plain is None or getattr(plain, "_jiliang", False):
        return
    cache: dict[Any, tuple[tuple[str, ...], str | None]] = {}

    def signature(fn: Any) -> tuple[tuple[str, ...], str | None]:
        func = getattr(fn, "__func__", None)
        if func is None:
            return plain(fn)  # type: ignore[no-any-return]
        found = cache.get(func)
        if found is None:
            found = cache[func] = plain(fn)
        return found

    signature._jiliang = True  # type: ignore[attr-defined]
    dt2_utils.signature = signature


_cache_signatures()


# the verification forms of the catalogue (CatalogueItem.verification_form)
FORMS = {
    "periodic": _("周期检定"),
    "initial_scrap": _("首次检定，失准报废"),
    "initial_replace": _("首次检定，到期轮换"),
}


def _badge(css: str, text: Any) -> SafeString:
    return format_html('<span class="badge {}">{}</span>', css, text)


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else "—"


class RegistryTable(tables.Table):
    """A page's rows, already filtered, sorted and paged by the database (listing.py).

    Setting `order_by` only records the sort for the column headers: the rows arrive in
    that order, so the table never sorts them again (in Python, or with a second query).
    """

    # Sortable columns an index serves at any scope; None: all of them (the small registers).
    # Others sort only a scope of at most listing.SORT_SCOPE rows (listing.list_page).
    indexed_sorts: ClassVar[frozenset[str] | None] = None
    # Columns that may not sort on this page (its scope is too large): plain headers.
    sort_limited: frozenset[str] = frozenset()

    class Meta:
        template_name = "registry/lists/table.html"
        attrs: ClassVar[dict[str, str]] = {"class": "list"}
        order_by_field = "sort"
        empty_text = _("没有符合条件的记录")

    @property
    def order_by(self) -> OrderByTuple:  # type: ignore[override]
        return self._order_by

    @order_by.setter
    def order_by(self, value: Any) -> None:
        aliases = value.split(",") if isinstance(value, str) else list(value or ())
        valid = [
            a
            for a in aliases
            if a.lstrip("-") in self.columns and self.columns[a.lstrip("-")].orderable
        ]
        self._order_by = OrderByTuple(valid)

    def show(self, rows: list[Any]) -> None:
        """Give the table that holds the sort (listing.filtered) the page's rows: building a
        second Table would deep-copy every column again."""
        self.data = TableData.from_data(data=rows)
        self.data.set_table(self)
        self.rows = BoundRows(data=self.data, table=self, pinned_data=self.pinned_data)
        self.__dict__.pop("body_html", None)

    @cached_property
    def body_html(self) -> SafeString:
        """The rows of the page, rendered once per page (table_rows.py says why)."""
        return render_body(self, list(self.data.data))

    @cached_property
    def english(self) -> bool:
        return _english()

    def label(self, record: Any, name: str) -> Any:
        """get_FOO_display of a choice field, its labels translated once per page."""
        labels = self._labels.get(name)
        if labels is None:
            labels = self._labels[name] = choice_labels(record._meta.get_field(name))
        value = getattr(record, name)
        return labels.get(value, value)

    @cached_property
    def _labels(self) -> dict[str, dict[Any, Any]]:
        return {}


class InstitutionTable(RegistryTable):
    name_zh = tables.Column(_("名称"), linkify=("registry:institution", [A("pk")]), attrs=DATA)
    kind = tables.Column(_("类型"))
    division_code = tables.Column(_("行政区划"))
    uscc = tables.Column(_("统一社会信用代码"))

    class Meta(RegistryTable.Meta):
        model = Institution
        fields = ("name_zh", "kind", "division_code", "uscc")

    def render_name_zh(self, record: Institution) -> SafeString:
        if record.name_en:
            return format_html(
                '<bdi lang="zh">{}</bdi><br><small class="muted">{}</small>',
                record.name_zh,
                record.name_en,
            )
        return format_html('<bdi lang="zh">{}</bdi>', record.name_zh)

    def value_name_zh(self, record: Institution) -> str:
        return record.name_zh

    def render_kind(self, record: Institution) -> SafeString:
        if record.centre_state:
            return format_html(
                '{} <span class="badge muted">{}</span>',
                self.label(record, "kind"),
                self.label(record, "centre_state"),
            )
        return format_html("{}", self.label(record, "kind"))

    def value_kind(self, record: Institution) -> str:
        return str(self.label(record, "kind"))


class PersonTable(RegistryTable):
    name = tables.Column(_("姓名"), linkify=("registry:person", [A("pk")]), attrs=DATA)
    registration_number = tables.Column(_("注册号"), attrs=DATA)
    level = tables.Column(_("级别"))
    institution = tables.Column(_("机构"), accessor="institution__name_zh", attrs=DATA)
    valid_until = tables.Column(_("有效期至"))

    class Meta(RegistryTable.Meta):
        model = Person
        fields = ("name", "registration_number", "level", "institution", "valid_until")

    def render_valid_until(self, value: dt.date) -> str:
        return _date(value)


class StandardTable(RegistryTable):
    code = tables.Column(_("编号"), linkify=("registry:standard", [A("pk")]), attrs=DATA)
    name = tables.Column(_("名称"), attrs=DATA)
    kind = tables.Column(_("类型"))
    institution = tables.Column(_("机构"), accessor="institution__name_zh", attrs=DATA)
    range = tables.Column(_("测量范围"), accessor="pk", orderable=False)
    status = tables.Column(_("状态"))

    class Meta(RegistryTable.Meta):
        model = MeasurementStandard
        fields = ("code", "name", "kind", "institution", "range", "status")

    def render_range(self, record: MeasurementStandard) -> str:
        return f"{record.range_min} – {record.range_max} {record.unit}"

    def render_status(self, record: MeasurementStandard) -> SafeString:
        css = "ok" if record.status == "in_service" else "bad"
        return _badge(css, self.label(record, "status"))


class MaterialTable(RegistryTable):
    gbw_number = tables.Column(_("编号"), linkify=("registry:material", [A("pk")]))
    name = tables.Column(_("名称"), attrs=DATA)
    grade = tables.Column(_("等级"))
    certified_value = tables.Column(_("标准值"), accessor="pk", orderable=False)
    producer = tables.Column(_("研制单位"), accessor="producer__name_zh", attrs=DATA)
    expiry = tables.Column(_("有效期"))

    class Meta(RegistryTable.Meta):
        model = ReferenceMaterial
        fields = ("gbw_number", "name", "grade", "certified_value", "producer", "expiry")

    def render_grade(self, value: int) -> str:
        return "GBW" if value == 1 else "GBW(E)"

    def render_certified_value(self, record: ReferenceMaterial) -> str:
        return (
            f"{record.certified_value} ± {record.expanded_uncertainty} {record.unit} "
            f"(k={record.coverage_factor})"
        )

    def render_expiry(self, value: dt.date) -> SafeString:
        if value < dt.date.today():
            return format_html("{} {}", _date(value), _badge("bad", _("过期")))
        return format_html("{}", _date(value))

    def value_expiry(self, value: dt.date) -> str:
        return _date(value)


class InstrumentTable(RegistryTable):
    """The instrument list, with a checkbox per row for the bulk actions."""

    select = tables.CheckBoxColumn(
        accessor="pk",
        attrs={
            "td__input": {"name": "ids", "form": "bulk-form", "aria-label": _("选择")},
            "th__input": {"class": "select-all", "aria-label": _("全选本页")},
        },
        exclude_from_export=True,
    )
    name = tables.Column(_("名称"), linkify=("registry:instrument", [A("pk")]), attrs=DATA)
    serial_number = tables.Column(_("出厂编号"))
    owner = tables.Column(_("使用单位"), accessor="owner__name_zh", orderable=False, attrs=DATA)
    use_area = tables.Column(_("用途"), orderable=False)
    location = tables.Column(_("安装地点"), orderable=False, attrs=DATA)
    mandatory = tables.Column(_("强制检定"), accessor="pk", orderable=False)
    due = tables.Column(_("到期日"), accessor="due_date", order_by=("due_date",))
    status = tables.Column(_("状态"), orderable=False)

    # no index of its own behind name, serial number or due date (owner-first composites)
    indexed_sorts: ClassVar[frozenset[str] | None] = frozenset()

    class Meta(RegistryTable.Meta):
        model = Instrument
        fields = (
            "select",
            "name",
            "serial_number",
            "owner",
            "use_area",
            "location",
            "mandatory",
            "due",
            "status",
        )

    def __init__(self, *args: Any, today: dt.date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today or dt.date.today()

    def render_name(self, record: Instrument) -> SafeString:
        if record.category_id is not None:
            category = record.category
            return format_html(
                '{}<br><small class="muted">{} {}</small>',
                record.name,
                category.number,
                category.name_en if self.english and category.name_en else category.name_zh,
            )
        return format_html("{}", record.name)

    def value_name(self, record: Instrument) -> str:
        return record.name

    def render_mandatory(self, record: Instrument) -> SafeString:
        from jiliang.registry import services

        status = services.mandatory_status(record)
        if not status.mandatory:
            return format_html(
                '<span class="badge muted" title="{}">{}</span>', status.reason, _("非强检")
            )
        return format_html(
            '<span class="badge info" title="{}">{} · {}</span>',
            status.reason,
            _("强检"),
            FORMS.get(status.form, status.form),
        )

    def value_mandatory(self, record: Instrument) -> str:
        from jiliang.registry import services

        status = services.mandatory_status(record)
        return f"{_('是')} {status.form}".strip() if status.mandatory else str(_("否"))

    def render_due(self, value: dt.date | None) -> SafeString:
        if value is None:
            return format_html('<span class="muted">—</span>')
        if value < self.today:
            return format_html("{} {}", _date(value), _badge("bad", _("超期")))
        return format_html("{}", _date(value))

    def value_due(self, value: dt.date | None) -> str:
        return _date(value) if value else ""


class CertificateTable(RegistryTable):
    number = tables.Column(_("证书编号"), linkify=("registry:certificate", [A("pk")]))
    kind = tables.Column(_("类型"), orderable=False)
    issuer = tables.Column(_("签发机构"), accessor="pk", orderable=False, attrs=DATA)
    instrument = tables.Column(_("器具"), accessor="instrument__name", orderable=False, attrs=DATA)
    serial_number = tables.Column(
        _("出厂编号"), accessor="instrument__serial_number", orderable=False
    )
    owner = tables.Column(
        _("使用单位"), accessor="instrument__owner__name_zh", orderable=False, attrs=DATA
    )
    regulation = tables.Column(_("规程"), orderable=False)
    calibration_date = tables.Column(_("日期"))
    valid_until = tables.Column(_("有效期至"), orderable=False, default="—")
    conclusion = tables.Column(_("结论"), orderable=False)

    # the unique number and the (calibration_date, id) index
    indexed_sorts: ClassVar[frozenset[str] | None] = frozenset({"number", "calibration_date"})

    class Meta(RegistryTable.Meta):
        model = Certificate
        fields = (
            "number",
            "kind",
            "issuer",
            "instrument",
            "serial_number",
            "owner",
            "regulation",
            "calibration_date",
            "valid_until",
            "conclusion",
        )

    def render_number(self, record: Certificate) -> SafeString:
        html = format_html("<code>{}</code>", record.number)
        if record.amendment:
            html = format_html("{} {}", html, _badge("warn", self.label(record, "amendment")))
        signature = None if record.issuer_id else getattr(record, "dcc_signature", None)
        if signature is not None:  # an imported DCC: the state of its XML signature
            html = format_html(
                '{} <span class="badge {}" title="{}">{}</span>',
                html,
                signature.css,
                signature.signer_subject,
                signature.badge_label,
            )
        return html

    def value_number(self, record: Certificate) -> str:
        return record.number

    def render_issuer(self, record: Certificate) -> str:
        return record.issuer.name_zh if record.issuer_id else record.external_issuer

    def render_calibration_date(self, value: dt.date) -> str:
        return _date(value)

    def render_valid_until(self, value: dt.date | None) -> str:
        return _date(value)

    def render_conclusion(self, record: Certificate) -> SafeString:
        css = "bad" if record.conclusion == "fail" else "ok"
        return _badge(css, self.label(record, "conclusion"))


class CatalogueTable(RegistryTable):
    number = tables.Column(_("编号"), linkify=("registry:catalogue_item", [A("pk")]))
    name_zh = tables.Column(_("名称"))
    supervision = tables.Column(_("监管方式"))
    verification_form = tables.Column(_("检定形式"))
    mandatory_use_areas = tables.Column(_("强检用途"), orderable=False)
    confirmed = tables.Column(_("确认"))

    class Meta(RegistryTable.Meta):
        model = CatalogueItem
        fields = (
            "number",
            "name_zh",
            "supervision",
            "verification_form",
            "mandatory_use_areas",
            "confirmed",
        )
        row_attrs: ClassVar[dict[str, Any]] = {
            "class": lambda record: "" if record.confirmed else "unconfirmed"
        }

    def render_name_zh(self, record: CatalogueItem) -> SafeString:
        return _pair(record.name_zh, record.name_en)

    def value_name_zh(self, record: CatalogueItem) -> str:
        return record.name_zh

    def render_mandatory_use_areas(self, value: Any) -> str:
        return ", ".join(str(v) for v in value or ())

    def render_confirmed(self, value: bool) -> SafeString:
        return _badge("ok", _("已确认")) if value else _badge("warn", _("未确认"))


class SchemeTable(RegistryTable):
    code = tables.Column(_("编号"), linkify=("registry:scheme", [A("pk")]))
    title_zh = tables.Column(_("名称"))
    quantity = tables.Column(_("量"), accessor="quantity__name_zh")
    data_version = tables.Column(_("数据版本"))

    class Meta(RegistryTable.Meta):
        model = VerificationScheme
        fields = ("code", "title_zh", "quantity", "data_version")

    def render_title_zh(self, record: VerificationScheme) -> SafeString:
        return _pair(record.title_zh, record.title_en)

    def render_quantity(self, record: VerificationScheme) -> str:
        return str(record.quantity)

    def value_title_zh(self, record: VerificationScheme) -> str:
        return record.title_zh
