"""Open data: the public registers as pages of JSON and bulk files (CSV, JSON, Parquet).

Each register is a queryset and a list of published fields with their meaning: the data
dictionary (docs/opendata.md, `GET /api/cloud/open`). Only what the law publishes is listed:
a registered metrologist is a name, a level, a registration number, an institution, items and
validity — never an identity number or a contact.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_noop

from jiliang.cloud.models import Capability
from jiliang.registry.models import (
    Authorisation,
    ExaminationCertificate,
    Institution,
    MeasurementStandard,
    Person,
    ReferenceMaterial,
)

MAX_PAGE_SIZE = 1000
MAX_BULK_ROWS = 200_000


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # string, integer, number, date, list
    meaning: str
    get: Callable[[Any], Any]


@dataclass(frozen=True)
class Register:
    name: str
    title: str
    queryset: Callable[[], QuerySet[Any]]
    fields: tuple[Field, ...]

    def row(self, obj: Any) -> dict[str, Any]:
        return {f.name: f.get(obj) for f in self.fields}


def _date(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _attr(path: str) -> Callable[[Any], Any]:
    def get(obj: Any) -> Any:
        for part in path.split("."):
            obj = getattr(obj, part) if obj is not None else None
        return obj

    return get


REGISTERS: dict[str, Register] = {
    r.name: r
    for r in (
        Register(
            "institutions",
            gettext_noop("计量机构与用户单位"),
            lambda: Institution.objects.order_by("id"),
            (
                Field("id", "integer", "platform id", _attr("id")),
                Field("name_zh", "string", "name in Chinese", _attr("name_zh")),
                Field("name_en", "string", "name in English", _attr("name_en")),
                Field(
                    "kind",
                    "string",
                    "kind of institution (registry Institution.Kind)",
                    _attr("kind"),
                ),
                Field("division_code", "string", "GB/T 2260 division code", _attr("division_code")),
                Field("uscc", "string", "unified social credit code (GB 32100)", _attr("uscc")),
            ),
        ),
        Register(
            "authorisations",
            gettext_noop("计量授权"),
            lambda: Authorisation.objects.select_related("institution").order_by("id"),
            (
                Field(
                    "certificate_number",
                    "string",
                    "authorisation certificate number",
                    _attr("certificate_number"),
                ),
                Field(
                    "institution", "string", "authorised institution", _attr("institution.name_zh")
                ),
                Field(
                    "form",
                    "string",
                    "form of authorisation (Metrology Law Art. 27 forms)",
                    _attr("form"),
                ),
                Field("scope", "string", "authorised scope", _attr("scope")),
                Field("valid_from", "date", "valid from", lambda o: _date(o.valid_from)),
                Field("valid_until", "date", "valid until", lambda o: _date(o.valid_until)),
            ),
        ),
        Register(
            "standards",
            gettext_noop("计量标准"),
            lambda: MeasurementStandard.objects.select_related("institution", "quantity").order_by(
                "id"
            ),
            (
                Field("code", "string", "standard code", _attr("code")),
                Field("name", "string", "name", _attr("name")),
                Field("kind", "string", "level (registry MeasurementStandard.Kind)", _attr("kind")),
                Field("institution", "string", "holder", _attr("institution.name_zh")),
                Field("quantity", "string", "quantity code", _attr("quantity.code")),
                Field("range_min", "number", "lower end of the range", _attr("range_min")),
                Field("range_max", "number", "upper end of the range", _attr("range_max")),
                Field("unit", "string", "unit of the range", _attr("unit")),
                Field("status", "string", "in_service, nonconforming or retired", _attr("status")),
            ),
        ),
        Register(
            "examination_certificates",
            gettext_noop("计量标准考核证书"),
            lambda: ExaminationCertificate.objects.select_related("standard").order_by("id"),
            (
                Field("number", "string", "certificate number", _attr("number")),
                Field("standard", "string", "standard code", _attr("standard.code")),
                Field("issued_on", "date", "issued on", lambda o: _date(o.issued_on)),
                Field("valid_until", "date", "valid until", lambda o: _date(o.valid_until)),
                Field(
                    "revoked_on", "date", "revoked on (empty if not)", lambda o: _date(o.revoked_on)
                ),
            ),
        ),
        Register(
            "materials",
            gettext_noop("标准物质"),
            lambda: ReferenceMaterial.objects.select_related("producer", "quantity").order_by("id"),
            (
                Field("gbw_number", "string", "GBW number", _attr("gbw_number")),
                Field("grade", "integer", "grade (1 or 2)", _attr("grade")),
                Field("name", "string", "name", _attr("name")),
                Field("producer", "string", "producer", _attr("producer.name_zh")),
                Field("certified_value", "number", "certified value", _attr("certified_value")),
                Field("unit", "string", "unit", _attr("unit")),
                Field("expanded_uncertainty", "number", "U", _attr("expanded_uncertainty")),
                Field("coverage_factor", "number", "k", _attr("coverage_factor")),
                Field("expiry", "date", "certificate expiry", lambda o: _date(o.expiry)),
            ),
        ),
        Register(
            "metrologists",
            gettext_noop("注册计量师"),
            lambda: Person.objects.select_related("institution").order_by("id"),
            (
                Field("name", "string", "name", _attr("name")),
                Field("level", "integer", "level (1 or 2)", _attr("level")),
                Field(
                    "registration_number",
                    "string",
                    "registration number",
                    _attr("registration_number"),
                ),
                Field(
                    "institution",
                    "string",
                    "institution of registration",
                    _attr("institution.name_zh"),
                ),
                Field(
                    "items",
                    "list",
                    "registered items (quantity codes, catalogue items)",
                    lambda o: list(o.registration_scope or []),
                ),
                Field("valid_from", "date", "valid from", lambda o: _date(o.valid_from)),
                Field("valid_until", "date", "valid until", lambda o: _date(o.valid_until)),
            ),
        ),
        Register(
            "capabilities",
            gettext_noop("校准和测量能力 (CMC)"),
            lambda: Capability.objects.select_related("institution", "quantity").order_by("id"),
            (
                Field("id", "string", "CMC code", _attr("code")),
                Field("institution", "string", "provider", _attr("institution.name_zh")),
                Field("quantity", "string", "quantity code", _attr("quantity.code")),
                Field("instrument", "string", "instrument or artefact", _attr("instrument")),
                Field("range_min", "number", "lower end of the range", _attr("range_min")),
                Field("range_max", "number", "upper end of the range", _attr("range_max")),
                Field("unit", "string", "unit of the range", _attr("unit")),
                Field(
                    "uncertainty",
                    "string",
                    "the U statement as JSON (docs/cloud.md)",
                    lambda o: json.dumps(o.uncertainty, ensure_ascii=False),
                ),
                Field("method", "string", "method or procedure", _attr("method")),
            ),
        ),
    )
}


def _pattern_approvals() -> QuerySet[Any]:
    from jiliang.services.models import PatternApproval

    return PatternApproval.objects.select_related("maker", "authority", "category").order_by("id")


def _model_units() -> QuerySet[Any]:
    from jiliang.market.models import ModelUnit

    return (
        ModelUnit.objects.filter(state=ModelUnit.State.LISTED)
        .select_related("premises", "premises__owner")
        .order_by("id")
    )


def _campaign_results() -> QuerySet[Any]:
    from jiliang.market.models import Campaign

    return (
        Campaign.objects.filter(state=Campaign.State.CLOSED)
        .select_related("regulator")
        .order_by("id")
    )


for _register in (
    Register(
        "pattern_approvals",
        gettext_noop("型式批准公布"),
        _pattern_approvals,
        (
            Field("cpa_number", "string", "pattern approval (CPA) number", _attr("cpa_number")),
            Field("maker", "string", "maker", _attr("maker.name_zh")),
            Field("authority", "string", "approving authority", _attr("authority.name_zh")),
            Field("instrument", "string", "instrument name", _attr("instrument_name")),
            Field("model", "string", "model", _attr("model")),
            Field("category", "string", "catalogue item number", _attr("category.number")),
            Field("approved_on", "date", "approved on", lambda o: _date(o.approved_on)),
        ),
    ),
    Register(
        "model_units",
        gettext_noop("诚信计量示范单位"),
        _model_units,
        (
            Field("premises", "string", "premises", _attr("premises.name")),
            Field("owner", "string", "operator", _attr("premises.owner.name_zh")),
            Field("kind", "string", "kind of premises", _attr("premises.kind")),
            Field("score", "integer", "evaluation score", _attr("total")),
            Field("listed_on", "date", "listed on", lambda o: _date(o.listed_on)),
        ),
    ),
    Register(
        "campaign_results",
        gettext_noop("专项检查结果"),
        _campaign_results,
        (
            Field("code", "string", "campaign code", _attr("code")),
            Field("title", "string", "title", _attr("title")),
            Field("regulator", "string", "regulator", _attr("regulator.name_zh")),
            Field("region", "string", "division-code prefix of the scope", _attr("region")),
            Field("premises_kind", "string", "kind of premises", _attr("premises_kind")),
            Field(
                "seed",
                "string",
                "seed of the random draw (re-run it: docs/market.md)",
                _attr("seed"),
            ),
            Field(
                "results",
                "string",
                "published results as JSON",
                lambda o: json.dumps(o.results, ensure_ascii=False),
            ),
        ),
    ),
):
    REGISTERS[_register.name] = _register


def dictionary() -> list[dict[str, Any]]:
    return [
        {
            "register": r.name,
            "title": r.title,
            "fields": [{"name": f.name, "type": f.type, "meaning": f.meaning} for f in r.fields],
            "formats": ["csv", "json", "parquet"],
        }
        for r in REGISTERS.values()
    ]


def page(register: Register, number: int, size: int) -> dict[str, Any]:
    """One page by keyset on the primary key order (bounded, no COUNT over huge tables)."""
    size = max(1, min(size, MAX_PAGE_SIZE))
    number = max(1, number)
    rows = list(register.queryset()[(number - 1) * size : number * size + 1])
    more = len(rows) > size
    return {
        "register": register.name,
        "page": number,
        "page_size": size,
        "next_page": number + 1 if more else None,
        "results": [register.row(o) for o in rows[:size]],
    }


def rows(register: Register) -> Iterator[dict[str, Any]]:
    for obj in register.queryset()[:MAX_BULK_ROWS].iterator(chunk_size=2000):
        yield register.row(obj)


def to_csv(register: Register) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([f.name for f in register.fields])
    for row in rows(register):
        writer.writerow(
            json.dumps(v, ensure_ascii=False) if isinstance(v, list) else ("" if v is None else v)
            for v in row.values()
        )
    return out.getvalue().encode("utf-8-sig")


def to_json(register: Register) -> bytes:
    return json.dumps(
        {
            "register": register.name,
            "fields": dictionary_of(register),
            "rows": list(rows(register)),
        },
        ensure_ascii=False,
    ).encode()


def dictionary_of(register: Register) -> list[dict[str, str]]:
    return [{"name": f.name, "type": f.type, "meaning": f.meaning} for f in register.fields]


def to_parquet(register: Register) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {
        "string": pa.string(),
        "integer": pa.int64(),
        "number": pa.float64(),
        "date": pa.string(),
        "list": pa.list_(pa.string()),
    }
    data = list(rows(register))
    schema = pa.schema(
        [pa.field(f.name, types[f.type], metadata={"meaning": f.meaning}) for f in register.fields]
    )
    columns = {
        f.name: [([str(x) for x in r[f.name]] if f.type == "list" else r[f.name]) for r in data]
        for f in register.fields
    }
    table = pa.table(columns, schema=schema)
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()
