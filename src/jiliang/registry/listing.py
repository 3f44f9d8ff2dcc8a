"""One list page of the registry: filter (django-filter), sort (a django-tables2 column the
table allows), page with bounded counting, and export (`?export=csv|xlsx`) of the same rows.

Why one function for every list: the order of operations is the rule that keeps the pages,
their exports and their counts in agreement, and fast at 10^6 rows —
visible_to(user) → filter → sort (whitelisted columns only) → either a page counted up to
COUNT_CAP for restricted users (django-tables2 never counts), or an export capped at
EXPORT_CAP rows and written while the rows are read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.registry import counting, exports, traceability
from jiliang.registry.filters import SearchFilterSet
from jiliang.registry.querysets import is_admin
from jiliang.registry.table_rows import export_row
from jiliang.registry.tables import RegistryTable

PAGE_SIZE = 25
EXPORT_CAP = 100_000  # rows in one CSV/Excel download; more: narrow the filter
EXPORT_CHUNK = 2_000  # rows read from the database at a time while an export is written
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_FORMATS = ("csv", "xlsx")
SORT_SCOPE = 10_000  # rows a sort without an index may order (else: the default order)


@dataclass(frozen=True)
class ListSpec:
    """What differs between two list pages."""

    table: type[RegistryTable]
    filterset: type[SearchFilterSet]
    template: str
    stem: str  # file name of an export: <stem>-<date>.csv


def page_of(
    request: HttpRequest,
    items: Any,
    param: str = "page",
    count: int | traceability.Tally | None = None,
    cap: int | None = None,
    probe: bool = True,
) -> Page[Any]:
    """The requested page; a bad or out-of-range number gives the nearest page, not a 500.

    `count`, when the caller already knows it, saves the paginator a COUNT over the items;
    `cap` counts only that far (the page says "10,000+"): exact counts of ~10^6 rows a
    restricted user may see take seconds. `paginator.more` tells the template.
    """
    if count is None and cap is not None:
        items, count = traceability.bounded(items, cap, probe=probe)
    paginator = Paginator(items, PAGE_SIZE)
    more = False
    if isinstance(count, traceability.Tally):
        count, more = count.value, count.more
    if count is not None:
        paginator.__dict__["count"] = count  # Paginator.count is a cached_property
    paginator.more = more  # type: ignore[attr-defined]
    return paginator.get_page(request.GET.get(param))


def count_cap(request: HttpRequest) -> int | None:
    """Lists count exactly for an administrator (fast: whole tables); restricted users' counts
    stop at COUNT_CAP, since counting ~10^6 visible rows takes seconds."""
    return None if is_admin(request.user) else traceability.COUNT_CAP


def list_cap(request: HttpRequest, filterset: SearchFilterSet) -> int | None:
    """count_cap, and COUNT_CAP for an administrator's filtered list too: an exact count of a
    filter's matches among 10^6 instruments or 2x10^6 certificates reads them all (0.2-0.3 s
    for `?status=in_service`), where the whole table's count is fast."""
    cap = count_cap(request)
    narrowed = filterset.is_bound and filterset.is_valid()
    if (
        cap is None
        and narrowed
        and any(v not in (None, "", [], ()) for v in filterset.form.cleaned_data.values())
    ):
        return traceability.COUNT_CAP
    return cap


def query_without(request: HttpRequest, *params: str) -> str:
    """The current query string minus these parameters (default: the page number)."""
    query = request.GET.copy()
    for param in params or ("page",):
        query.pop(param, None)
    return query.urlencode()


class SortError(ValueError):
    """A `sort` value that names no sortable column."""


def ordering(table: RegistryTable, sort: str) -> list[str]:
    """The ORM ordering for a `sort` alias ("due", "-due") of the table, with the primary
    key last so pages never overlap; SortError for a column that may not sort."""
    name = sort.removeprefix("-")
    if not name or name not in table.columns or not table.columns[name].orderable:
        allowed = ", ".join(c.name for c in table.columns if c.orderable)
        raise SortError(
            _("不能按 %(sort)s 排序；可排序的列：%(allowed)s")
            % {"sort": sort[:40], "allowed": allowed}
        )
    table.order_by = sort
    keys = [key.for_queryset() for key in table.columns[name].order_by]
    return [*keys, "-pk" if sort.startswith("-") else "pk"]


def filtered(
    params: QueryDict,
    queryset: QuerySet[Any],
    spec: ListSpec,
    table_kwargs: dict[str, Any] | None = None,
) -> tuple[SearchFilterSet, RegistryTable, QuerySet[Any], list[str]]:
    """The filter set, an empty table holding the sort, the filtered and sorted queryset, and
    the problems with the query string (empty when it is valid). The bulk actions call it
    with the list's query string, so "all matching" is exactly what the list showed."""
    filterset = spec.filterset(params, queryset=queryset)
    table = spec.table([], **(table_kwargs or {}))
    problems: list[str] = []
    if filterset.is_valid():
        queryset = filterset.qs
    else:
        queryset = queryset.none()
        problems.extend(
            f"{name}: {'; '.join(errors)}" for name, errors in filterset.form.errors.items()
        )
    sort = params.get("sort", "")
    if sort:
        try:
            queryset = queryset.order_by(*ordering(table, sort))
        except SortError as exc:
            problems.append(f"sort: {exc}")
    return filterset, table, queryset, problems


def list_page(
    request: HttpRequest,
    queryset: QuerySet[Any],
    spec: ListSpec,
    extra: dict[str, Any] | None = None,
    table_kwargs: dict[str, Any] | None = None,
) -> HttpResponse | StreamingHttpResponse:
    """A filtered, sorted, paginated list, or its export; a bad query string answers 400
    with the parameter's message (and an export of nothing is never sent)."""
    original = queryset
    filterset, table, queryset, problems = filtered(request.GET, queryset, spec, table_kwargs)
    export = request.GET.get("export", "")
    if export and export not in EXPORT_FORMATS:
        problems.append(
            "export: " + _("导出格式应为 csv 或 xlsx，收到 %(fmt)s") % {"fmt": export[:20]}
        )
    if export and not problems:
        return export_response(queryset, spec, table_kwargs, request)
    notices: list[str] = []
    limited: frozenset[str] = frozenset()
    cap = list_cap(request, filterset)
    # counted before any page is read: a refused sort must not read its first page
    items, tally = counted(queryset, cap)
    indexed = spec.table.indexed_sorts
    if indexed is not None and not problems:
        unindexed = frozenset(c.name for c in table.columns if c.orderable) - indexed
        if unindexed and _over_sort_scope(tally, queryset):
            # ~10^6 rows sorted without an index cost seconds a page: default order instead
            limited = unindexed
            sort = request.GET.get("sort", "").removeprefix("-")
            if sort in unindexed:
                params = request.GET.copy()
                params.pop("sort")
                filterset, table, queryset, problems = filtered(
                    params, original, spec, table_kwargs
                )
                notices.append(
                    _("按该列排序须先筛选到 %(cap)s 条以内，现按默认顺序显示")
                    % {"cap": f"{SORT_SCOPE:,}"}
                )
                items, tally = _same_rows(queryset, tally, cap)
    page = page_of(request, items, count=tally)
    table.show(list(page.object_list))
    table.sort_limited = limited
    context = {
        "form": filterset.form,
        "filter": filterset,
        "table": table,
        "page": page,
        "query": query_without(request),
        "export_query": query_without(request, "page", "export"),
        "problems": problems,
        "other_problems": [p for p in problems if p.startswith(("sort:", "export:"))],
        "notices": notices,
        "export_cap": EXPORT_CAP,
        **(extra or {}),
    }
    return render(request, spec.template, context, status=400 if problems else 200)


def counted(queryset: QuerySet[Any], cap: int | None) -> tuple[Any, traceability.Tally]:
    """What to page through and its count: exact without a cap, else up to it (as page_of)."""
    if cap is None:
        return queryset, traceability.Tally(queryset.order_by().count())
    return traceability.bounded(queryset, cap)


def _same_rows(
    queryset: QuerySet[Any], tally: traceability.Tally, cap: int | None
) -> tuple[Any, traceability.Tally]:
    """The rows `tally` counted, in another order, without counting them again."""
    if cap is None:
        return queryset, tally
    if tally.more:
        return traceability.ProbedPages(queryset, cap), tally
    return traceability.bounded(queryset, cap)


def _over_sort_scope(tally: traceability.Tally, queryset: QuerySet[Any]) -> bool:
    """Whether more than SORT_SCOPE rows match: the count says so without a second read of
    the matches, unless it stopped below SORT_SCOPE."""
    if tally.value > SORT_SCOPE or (tally.more and tally.value >= SORT_SCOPE):
        return True
    return tally.more and counting.has_at_least(queryset, SORT_SCOPE + 1)


def export_columns(table: RegistryTable) -> list[Any]:
    return [c for c in table.columns if not c.column.exclude_from_export]


def export_rows(
    queryset: QuerySet[Any], spec: ListSpec, table_kwargs: dict[str, Any] | None = None
) -> tuple[list[str], Iterator[list[Any]]]:
    """The header and the rows of an export: each cell as the table's text for it, read in
    chunks so 10^5 rows never sit in memory as model instances at once."""
    table = spec.table([], **(table_kwargs or {}))
    columns = export_columns(table)
    header = [str(c.header) for c in columns]
    row = export_row(table, columns)  # django-tables2's values, laid out once (table_rows.py)

    def rows() -> Iterator[list[Any]]:
        for record in queryset[:EXPORT_CAP].iterator(chunk_size=EXPORT_CHUNK):
            yield row(record)

    return header, rows()


def export_response(
    queryset: QuerySet[Any],
    spec: ListSpec,
    table_kwargs: dict[str, Any] | None,
    request: HttpRequest,
) -> HttpResponse | StreamingHttpResponse:
    """A CSV (streamed) or Excel download of the filtered, sorted list; 400 with a message
    when more than EXPORT_CAP rows match (the limit is in docs/ui.md)."""
    if counting.count_up_to(queryset, EXPORT_CAP).more:
        message = _("符合条件的记录超过 %(cap)s 条，请缩小筛选范围后再导出") % {
            "cap": f"{EXPORT_CAP:,}"
        }
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    header, rows = export_rows(queryset, spec, table_kwargs)
    stem = f"{spec.stem}-{timezone.localdate().isoformat()}"
    if request.GET.get("export") == "csv":
        response: HttpResponse | StreamingHttpResponse = StreamingHttpResponse(
            exports.stream_csv(header, rows), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{stem}.csv"'
        return response
    response = HttpResponse(exports.to_xlsx_stream(spec.stem, header, rows), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{stem}.xlsx"'
    return response
