"""Permission-restricted querysets: every list, API, export and CLI query goes through
`visible_to(user)` (NetBox's RestrictedQuerySet idea, with jiliang's institution rules)."""

from __future__ import annotations

from typing import Any

from django.db import connection, models
from django.db.models import Exists, Lookup, OuterRef, Q
from django.db.models.sql.query import Query


class InArray(Lookup):  # type: ignore[type-arg]
    """`field__in_array=subquery`: `IN (subquery)`, but `= ANY(ARRAY(subquery))` on PostgreSQL.

    Why: OR-ed with another condition (`issuer = 3 OR instrument IN (…)`), PostgreSQL runs an
    IN-subquery as a filter over every row (0.4 s at 2x10^6); an array lets it combine two
    index scans (BitmapOr, 0.3 ms). The scopes' subqueries return few rows.
    """

    lookup_name = "in_array"
    prepare_rhs = False

    def get_prep_lookup(self) -> object:
        rhs = super().get_prep_lookup()
        if isinstance(rhs, Query):
            rhs.clear_ordering(clear_default=True)
        return rhs

    def as_sql(self, compiler: object, connection: object) -> tuple[str, list[object]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} IN {rhs}", [*lhs_params, *rhs_params]

    def as_postgresql(self, compiler: object, connection: object) -> tuple[str, list[object]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY(ARRAY{rhs})", [*lhs_params, *rhs_params]


models.Field.register_lookup(InArray)
models.ForeignObject.register_lookup(InArray)  # relations keep their own lookups


def region_prefix(division_code: str) -> str:
    """'370000' → '37', '370300' → '3703', '370303' → '370303'."""
    code = division_code
    while code.endswith("00") and len(code) > 2:
        code = code[:-2]
    return code


def in_region(field: str, prefix: str) -> Q:
    """Rows whose division code (`field`) starts with a region's prefix.

    On PostgreSQL also written as the range [prefix, next prefix) of equally long digit
    strings, which every collation orders as the C locale does: PostgreSQL serves a LIKE
    prefix from an index only under the C collation, so a province's due counts at 10^6
    instruments read the whole index (0.18 s) instead of its range (0.03 s). The LIKE stays,
    so the range only narrows the search. SQLite's planner does better without the range
    (it would sort a province's range for the due page: 0.07 s -> 0.3 s).
    """
    condition = Q(**{f"{field}__startswith": prefix})
    if prefix.isdigit() and connection.vendor == "postgresql":
        condition &= Q(**{f"{field}__gte": prefix})
        if prefix.strip("9"):  # '37' -> '38'; all nines have no next prefix of their length
            condition &= Q(**{f"{field}__lt": str(int(prefix) + 1).zfill(len(prefix))})
    return condition


def is_admin(user: Any) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and (user.is_superuser or getattr(user, "role", "") == "admin")
    )


class RestrictedQuerySet(models.QuerySet):  # type: ignore[type-arg]
    def visible_to(self, user: Any) -> RestrictedQuerySet:
        model = self.model
        if getattr(model, "public_register", False) or is_admin(user):
            return self
        if user is None or not user.is_authenticated or user.institution_id is None:
            return self.none()
        scope = getattr(model, "scope_field", None)
        if scope is None:
            return self.none()
        institution = user.institution
        if user.role == "regulator" or institution.kind == "regulator":
            prefix = region_prefix(institution.division_code)
            region_field = _region_field(model, scope)
            return self.filter(in_region(region_field, prefix))
        condition = _belongs_to(model, scope, institution.pk)
        also = getattr(model, "also_scope", None)
        if also is not None:  # a relation both of its parties see
            condition |= _belongs_to(model, also, institution.pk)
        if institution.is_lab:
            condition |= _lab_extra(model, institution.pk)
        return self.filter(condition)


def _belongs_to(model: type[models.Model], scope: str, institution_id: int) -> Q:
    """`scope = institution` as a semi-join on the row's own foreign key.

    Why not the plain join (`instrument__owner = 3`): OR-ed with a laboratory's own
    condition (`issuer = 3`) it spans two tables, and SQLite then reads all 2x10^6
    certificates (7 s); `instrument_id IN (that owner's instruments)` can use the index.
    """
    if "__" not in scope:
        return Q(**{scope: institution_id})
    head, rest = scope.split("__", 1)
    related = model._meta.get_field(head).related_model
    inner = _belongs_to(related, rest, institution_id)  # type: ignore[arg-type]
    return Q(**{f"{head}__in_array": related._default_manager.filter(inner).values("pk")})  # type: ignore[union-attr]


def _region_field(model: type[models.Model], scope: str) -> str:
    """Instruments carry their own location; everything else follows its institution."""
    if model._meta.model_name == "instrument":
        return "division_code"
    if model._meta.model_name == "certificate":
        return "instrument__division_code"
    return f"{scope}__division_code"


def _lab_extra(model: type[models.Model], lab_id: int) -> Q:
    """A laboratory also sees the certificates it issued, and of its customers' instruments
    only those it worked on or was given, while the owner keeps the relation (issue 12)."""
    name = model._meta.model_name
    if name == "instrument":
        return lab_instruments(lab_id)
    if name == "certificate":
        return Q(issuer_id=lab_id)
    return Q(pk__in=[])


def lab_instruments(lab_id: int) -> Q:
    """Instruments a laboratory may see beyond its own: the owner keeps an accepted relation
    with it, and the instrument is in the lab's access rows or the relation gives all.

    Relations are few: semi-joins on arrays (`InArray`). Access rows follow the lab's size,
    probed once (up to LARGE_SCOPE entries of the index `lab_access_once (lab, instrument)`):
    a small lab's ids are an array too, so its list is read from the instrument indexes; a
    large lab's rows are probed per instrument (a correlated EXISTS, index only), since
    SQLite rebuilt the 1.7x10^5 ids of a city lab for every query of a page (0.07 s -> 0.9 s
    for its instrument list) and PostgreSQL would build and scan an array as large.
    """
    from jiliang.registry.counting import LARGE_SCOPE
    from jiliang.registry.customer_models import LabAccess, LabCustomer

    accepted = LabCustomer.objects.filter(lab_id=lab_id, status=LabCustomer.Status.ACCEPTED)
    given_all = accepted.filter(all_instruments=True).values("owner_id")
    rows = LabAccess.objects.filter(lab_id=lab_id)
    # the probe reads the index alone (instrument_id, not the row's id, which PostgreSQL's
    # index lacks)
    if rows.values("instrument_id")[:LARGE_SCOPE].count() >= LARGE_SCOPE:
        worked = Q(Exists(rows.filter(instrument_id=OuterRef("pk"))))
    else:
        worked = Q(id__in_array=rows.values("instrument_id"))
    return (worked & Q(owner_id__in_array=accepted.values("owner_id"))) | Q(
        owner_id__in_array=given_all
    )
