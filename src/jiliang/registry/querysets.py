"""Permission-restricted querysets: every list, API, export and CLI query goes through
`visible_to(user)` (NetBox's RestrictedQuerySet idea, with jiliang's institution rules)."""

from __future__ import annotations

from typing import Any

from django.db import connection, models
from django.db.models import Lookup, OuterRef, Q, Subquery
from django.db.models.lookups import IsNull
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


MAX_LISTED_OWNERS = 1000  # a lab's accepted owners passed as values, beyond: a subquery


def lab_instruments(lab_id: int) -> Q:
    """Instruments a laboratory may see beyond its own: the owner keeps an accepted relation
    with it, and the instrument is in the lab's access rows or the relation gives all.

    The accepted owners are read first and passed as values (a lab has few): the planner
    then knows how many instruments they hold, and an owner list that is empty drops its
    branch. Access rows follow the lab's size, probed once (up to LARGE_SCOPE entries of
    the index `lab_access_once (lab, instrument)`): a small lab's ids are an array, so its
    list is read from the instrument indexes; a large lab's rows are probed per instrument
    (a scalar subquery on that index, read without the table). Why: SQLite rebuilt a city
    lab's 1.7x10^5 ids for every query of a page (instrument list 0.07 s -> 0.9 s), and
    PostgreSQL hashes an EXISTS under OR after a sequential scan of the lab's rows.
    """
    from jiliang.registry.counting import LARGE_SCOPE
    from jiliang.registry.customer_models import LabAccess, LabCustomer

    accepted = LabCustomer.objects.filter(lab_id=lab_id, status=LabCustomer.Status.ACCEPTED)
    listed = list(accepted.values_list("owner_id", "all_instruments")[: MAX_LISTED_OWNERS + 1])
    if not listed:
        return Q(pk__in=[])
    if len(listed) > MAX_LISTED_OWNERS:
        owners: Any = accepted.values("owner_id")
        given_all: Any = accepted.filter(all_instruments=True).values("owner_id")
        owned_by, given = Q(owner_id__in_array=owners), Q(owner_id__in_array=given_all)
    else:
        owned_by = Q(owner_id__in=sorted(owner for owner, _ in listed))
        given_ids = sorted(owner for owner, everything in listed if everything)
        given = Q(owner_id__in=given_ids) if given_ids else Q(pk__in=[])
    rows = LabAccess.objects.filter(lab_id=lab_id)
    # the size probe reads the index alone (instrument_id: PostgreSQL's index lacks the id)
    if rows.values("instrument_id")[:LARGE_SCOPE].count() >= LARGE_SCOPE:
        # a scalar subquery, not EXISTS: PostgreSQL turns an EXISTS under OR into a hash of
        # all the lab's rows, built by a sequential scan for every query (0.1-0.2 s here)
        probe = rows.filter(instrument_id=OuterRef("pk")).values("instrument_id")[:1]
        worked = Q(IsNull(Subquery(probe), False))
    else:
        worked = Q(id__in_array=rows.values("instrument_id"))
    return (worked & owned_by) | given
