"""Bounds on numbers that reach the database from a query string or a request body.

Python integers are unbounded but SQLite's INTEGER and PostgreSQL's bigint are not: an id,
an offset or a limit past 2**63 - 1 makes the driver raise (OverflowError, "datatype
mismatch") and the request answer 500. Every API list and filter takes its bounds from here,
so a too-large number is a 4xx naming the field instead.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination
from pydantic import BeforeValidator, model_validator

# The largest primary key of a BigAutoField (signed 64-bit, SQLite and PostgreSQL alike).
MAX_ID = 2**63 - 1
# Rows one API page may hold.
MAX_LIMIT = 1000
# Far beyond any table, and offset + limit still fits a signed 64-bit integer.
MAX_OFFSET = 2**62

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# --- uploads: one limit per kind of file, checked where the file enters (web, API, CLI) ---
# Bulk import (.csv/.xlsx of instruments, standards, certificates): the file's size, its rows,
# and for a workbook what its zip may expand to. openpyxl reads ~1,500 rows/s of a typical
# sheet, so 10^5 rows is about a minute; a larger register is imported in several files.
MAX_IMPORT_BYTES = 64 * 1024 * 1024
MAX_IMPORT_ROWS = 100_000
# Declared uncompressed size of all a workbook's zip entries (10^5 rows of 15 columns are
# ~80 MB of sheet XML), the compression ratio of any entry over 1 MiB (sheets compress ~15x; a
# zip bomb ~1000x), and the number of entries.
MAX_WORKBOOK_UNCOMPRESSED = 128 * 1024 * 1024
MAX_WORKBOOK_RATIO = 100
MAX_WORKBOOK_ENTRIES = 1000
# A DCC (XML) imported as a certificate: PTB's examples are 20-200 kB; an embedded PDF rarely
# takes one past a few MB.
MAX_DCC_BYTES = 16 * 1024 * 1024
# A procedure (YAML) uploaded by a laboratory; jiliang.yamlsafe also refuses longer texts.
MAX_PROCEDURE_BYTES = 1024 * 1024
# A workbook of a job's observations (.xlsx) and what its zip may expand to.
MAX_OBSERVATIONS_BYTES = 5 * 1024 * 1024
MAX_OBSERVATIONS_UNCOMPRESSED = 8 * 1024 * 1024
MAX_OBSERVATIONS_ROWS = 10_000


def upload_too_large(size: int | None, limit: int, name: str) -> str:
    """ "" when an upload of `size` bytes is within `limit`, else the reason, naming the file."""
    if size is not None and size > limit:
        return f"{name} is {size:,} bytes; the limit is {limit:,}"
    return ""


# A list size a client may ask for outside pagination (trace-down's `limit`).
Limit = Annotated[int, Field(ge=1, le=MAX_LIMIT)]

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: object) -> object:
    """Only YYYY-MM-DD (or a date): pydantic's lax mode reads `since=0` as 1970-01-01 and
    `1e9` as a Unix time, which a client never means; impossible dates stay pydantic's 422."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        return value.strip()
    raise ValueError(f"{str(value)[:40]!r} is not a date written YYYY-MM-DD")


# A date in a query string or a body: 422 naming the field unless written YYYY-MM-DD.
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]

_ISO_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?"
)


def _iso_datetime(value: object) -> object:
    """Only ISO 8601 text (or a datetime): not 0 or 1e9 read as seconds since 1970."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _ISO_DATETIME.fullmatch(value.strip()):
        return value.strip()
    raise ValueError(f"{str(value)[:40]!r} is not a time written YYYY-MM-DDTHH:MM[:SS][+08:00]")


# A date and time in a body: 422 naming the field unless ISO 8601.
IsoDateTime = Annotated[dt.datetime, BeforeValidator(_iso_datetime)]


def form_id(value: str | None, field: str) -> int | None:
    """A primary key chosen in a form: None when blank, else 1..MAX_ID in ASCII digits.

    Anything else (a word, "²", a number past MAX_ID) is a ValidationError naming the field,
    where `Model.objects.filter(pk=value)` would raise ValueError or overflow the driver.
    """
    text = (value or "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_ID:
        raise ValidationError({field: f"{text[:40]!r} is not an id"})
    return int(text)


class Pagination(LimitOffsetPagination):
    """ninja's limit/offset pagination with both numbers bounded (422 with the field if not)."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=MAX_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(max_limit=MAX_LIMIT, **kwargs)  # type: ignore[arg-type]


def page_window(offset: int, limit: int, max_limit: int = MAX_LIMIT) -> tuple[int, int]:
    """Check a hand-written endpoint's offset/limit; an HttpError 422 names the bad one."""
    from ninja.errors import HttpError

    if not 0 <= offset <= MAX_OFFSET:
        raise HttpError(422, f"offset must be between 0 and {MAX_OFFSET}, got {offset}")
    if not 1 <= limit <= max_limit:
        raise HttpError(422, f"limit must be between 1 and {max_limit}, got {limit}")
    return offset, limit


class JsonObject(Schema):
    """A body that must be a JSON object: ninja's Schema would read `false` or `[]` as an
    object whose attributes are all missing, which for a body of optional fields is a
    silently accepted empty change."""

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data: Any) -> Any:
        raw = getattr(data, "_obj", data)  # ninja's wrap validator hands a DjangoGetter
        if not isinstance(raw, dict):
            raise ValueError("the body must be a JSON object (请求体应为 JSON 对象)")
        return data
