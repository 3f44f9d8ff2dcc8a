"""The rule book of every registry write path (ARCHITECTURE rule 11): text, numbers, series.

Each rule is one function that the importer (CLI, /import/ page, POST /api/imports/{kind},
POST /api/instruments), the amendments (page and API) and the issuing of certificates call,
so a row that one path refuses no other path writes. Why here and not in the database:
SQLite neither limits a VARCHAR's length nor refuses a NUL byte, PostgreSQL answers both
with an error (a 500 once it reached the server); checked here, both backends give the same
precise message (field, reason) before anything is looked up or written.

Rules kept here:

- **text**: no NUL or other control character (Unicode Cc) and no lone surrogate in any
  field; a field's length at most its model field's `max_length` (characters, as PostgreSQL
  counts them).
- **numbers** (certificate and examination certificate numbers): 1–60 characters, letters
  and digits of any script (汉字 included), inner single spaces and `- _ . : ( ) [ ] （ ）
  〔 〕 【 】`; never `/ ? # %` or `\\` (numbers appear in URLs), never a leading or trailing
  space.
- **series**: a number that lies in another institution's numbering series may not be
  claimed by an import or an amendment (it would make that institution's issuing skip it).
  The global unique constraint on certificate numbers stays: refusing foreign-series numbers
  keeps every series free for its owner without a migration.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models

NUMBER_MAX_LENGTH = 60
NUMBER_PUNCTUATION = "-_.:()[]（）〔〕【】"
# C0 and C1 controls (NUL included) and lone surrogates (not encodable as UTF-8)
_BAD_CHARACTER = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# letters and digits of any script (\\w, less what isalnum refuses: checked slowly on a miss)
_WORD = r"[\w" + re.escape(NUMBER_PUNCTUATION) + "]+"
_NUMBER = re.compile(f"{_WORD}(?: {_WORD})*")
DEFAULT_PATTERN = "{institution_code}-{year}-{seq:06d}"

Problem = tuple[int, str, str]  # (index of the row, field, reason)


def text_problem(value: str, max_length: int | None = None) -> str | None:
    """Why a text may not be stored (None: it may): control characters, then length."""
    found = _BAD_CHARACTER.search(value)
    if found is not None:
        char = found.group()
        name = "a NUL byte" if char == "\x00" else f"the control character U+{ord(char):04X}"
        return f"contains {name} (不允许控制字符)"
    if max_length is not None and len(value) > max_length:
        return f"is {len(value)} characters long; at most {max_length} (超出长度)"
    return None


def max_lengths(model: type[models.Model]) -> dict[str, int]:
    """The `max_length` of each text field of a model, by field name."""
    return {
        field.name: field.max_length
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField) and field.max_length is not None
    }


def row_problems(
    model: type[models.Model],
    rows: Sequence[Mapping[str, str]],
    other_limits: Mapping[str, int] | None = None,
) -> list[Problem]:
    """Text problems of rows read from a file or a request, column by column.

    Every cell is checked for control characters; a cell whose column is a text field of
    `model` (or is named in `other_limits`, column → the length of the field it names)
    also for its length. Each distinct value of a column is checked once, as a file repeats
    most of them.
    """
    limits = {**max_lengths(model), **(other_limits or {})}
    columns: set[str] = set()
    for row in rows[:1]:
        columns.update(row)
    for row in rows:  # a row may carry columns the first lacks (a dict from the API)
        if row.keys() != columns:
            columns.update(row)
    problems: list[Problem] = []
    for column in sorted(columns - {"__row__"}):
        limit = limits.get(column)
        values = [row.get(column, "") for row in rows]
        distinct = [v for v in set(values) if isinstance(v, str)]
        # the usual column holds nothing to refuse: one search and one max over its values
        if not _BAD_CHARACTER.search("".join(distinct)) and (
            limit is None or max(map(len, distinct), default=0) <= limit
        ):
            continue
        bad = {}
        for value in distinct:
            reason = text_problem(value, limit)
            if reason is not None:
                bad[value] = reason
        problems += [(i, column, bad[v]) for i, v in enumerate(values) if v in bad]
    return problems


def field_problems(model: type[models.Model], values: Mapping[str, Any]) -> dict[str, str]:
    """Text problems of one object's fields (a form or an API payload): field → reason."""
    limits = max_lengths(model)
    found = {}
    for name, value in values.items():
        if isinstance(value, str):
            reason = text_problem(value, limits.get(name))
            if reason is not None:
                found[name] = reason
    return found


def number_problem(number: str, max_length: int = NUMBER_MAX_LENGTH) -> str | None:
    """Why a text is not a valid certificate number (None: it is); see the module's rule."""
    if len(number) <= max_length and _NUMBER.fullmatch(number) and number.isprintable():
        return None  # the usual number, by one match
    if not number:
        return "is required"
    reason = text_problem(number, max_length)
    if reason is not None:
        return reason
    if number != number.strip() or "  " in number:
        return "has a leading, trailing or double space (编号首尾不得有空格)"
    bad = sorted({c for c in number if not (c.isalnum() or c in NUMBER_PUNCTUATION or c == " ")})
    if bad:
        shown = " ".join(bad)
        return (
            f"contains {shown!r}; a number holds letters, digits, spaces and "
            f"{' '.join(NUMBER_PUNCTUATION)} (编号含不允许的字符)"
        )
    return None


@dataclass(frozen=True)
class Series:
    """A numbering series: the numbers `pattern` gives with `code` (any year, any seq)."""

    institution_id: int
    head: str  # the literal text every number of the series starts with
    regex: re.Pattern[str]
    pattern: str = DEFAULT_PATTERN
    code: str = ""

    def samples(self, year: int) -> list[str]:
        """Two numbers of the series in a year: its first and a large sequence number."""
        return [
            self.pattern.format(institution_code=self.code, year=year, seq=seq)
            for seq in (1, 123456)
        ]


def series(institution_id: int, pattern: str, code: str) -> Series:
    """The series of an institution's pattern and code; `{year}` and `{seq}` match digits
    (a hexadecimal or other non-decimal format spec matches letters and digits)."""
    parts, head, in_head = [], [], True
    for literal, name, spec, _ in string.Formatter().parse(pattern):
        parts.append(re.escape(literal))
        if in_head:
            head.append(literal)
        if name is None:
            continue
        if name == "institution_code":
            parts.append(re.escape(code))
            if in_head:
                head.append(code)
            continue
        in_head = False
        decimal = not spec or spec[-1] in "dn" or spec[-1].isdigit()
        parts.append(r"[ 0]*[0-9]+" if decimal else r"[ 0-9A-Za-z]+")
    return Series(institution_id, "".join(head), re.compile("".join(parts)), pattern, code)


class SeriesIndex:
    """Which institutions' series a number lies in, probed by the series' literal heads."""

    def __init__(self, all_series: Iterable[Series]) -> None:
        self._by_head: dict[str, list[Series]] = {}
        for item in all_series:
            self._by_head.setdefault(item.head, []).append(item)
        self._lengths = sorted({len(head) for head in self._by_head})

    def all(self) -> list[Series]:
        return [item for items in self._by_head.values() for item in items]

    def owners(self, number: str) -> set[int]:
        found = set()
        for length in self._lengths:
            for item in self._by_head.get(number[:length], ()):
                if item.regex.fullmatch(number):
                    found.add(item.institution_id)
        return found

    def foreign(self, number: str, issuer_id: int | None) -> bool:
        """True when the number lies in the series of an institution other than the issuer."""
        return bool(self.owners(number) - {issuer_id})

    @classmethod
    def load(cls) -> SeriesIndex:
        """Every registered series, and the series each laboratory that has not yet issued
        would take at its first issue (`default_series_code`): a number cannot be claimed
        ahead of its laboratory either."""
        number_series = apps.get_model("calibration", "NumberSeries")
        institution = apps.get_model("registry", "Institution")
        registered = set(
            number_series.objects.values_list("institution_id", "pattern", "institution_code")
        )
        taken = {code for _, _, code in registered}
        with_series = {pk for pk, _, _ in registered}
        labs = institution.objects.filter(kind__in=institution.LAB_KINDS).exclude(
            pk__in=with_series
        )
        prospective = {
            (pk, DEFAULT_PATTERN, _default_code(division, uscc, taken))
            for pk, division, uscc in labs.values_list("pk", "division_code", "uscc")
        }
        return cls(series(*row) for row in registered | prospective)


def _default_code(division_code: str, uscc: str, taken: set[str]) -> str:
    """The division code, or with the organisation code (USCC characters 9-17) appended when
    another institution's series already uses the division code."""
    if division_code not in taken:
        return division_code
    return f"{division_code}-{uscc[8:17]}"


def default_series_code(institution: Any) -> str:
    """The code of a laboratory's first series when it configured none: its division code,
    unless another institution's series uses that code (then it is made unique), so two
    laboratories of one district never share a series and skip each other's numbers."""
    number_series = apps.get_model("calibration", "NumberSeries")
    taken = set(
        number_series.objects.exclude(institution_id=institution.pk).values_list(
            "institution_code", flat=True
        )
    )
    return _default_code(institution.division_code, institution.uscc, taken)


def series_refusal(
    institution_id: int, pattern: str, code: str, year: int
) -> tuple[str, str] | None:
    """(field, reason) why an institution may not number with `pattern` and `code` (None: it
    may): its numbers would break the numbering syntax, another institution's series uses the
    code, or one series would hold the other's numbers (tried on the first and a large sequence
    number of `year`), so that one's issuing would skip the other's numbers."""
    for seq in (1, 123456):
        sample = pattern.format(institution_code=code, year=year, seq=seq)
        problem = number_problem(sample)
        if problem is not None:
            return "pattern", f"gives numbers such as {sample[:80]!r}, which {problem}"
    number_series = apps.get_model("calibration", "NumberSeries")
    used = number_series.objects.filter(institution_code=code).exclude(
        institution_id=institution_id
    )
    if used.exists():
        reason = f"the code {code!r} already numbers another institution's certificates"
        return "institution_code", reason
    mine = series(institution_id, pattern, code)
    others = [s for s in SeriesIndex.load().all() if s.institution_id != institution_id]
    samples = [pattern.format(institution_code=code, year=year, seq=seq) for seq in (1, 123456)]
    for other in others:
        if any(other.regex.fullmatch(sample) for sample in samples) or any(
            mine.regex.fullmatch(sample) for sample in other.samples(year)
        ):
            return "pattern", "with this code it gives numbers of another institution's series"
    return None


UNAVAILABLE = (
    "is not available: it is taken or lies in another issuer's numbering series (编号不可用)"
)


def number_refusals(
    numbers: Sequence[str], issuers: Sequence[int | None], user: Any
) -> dict[int, str]:
    """Row index → why its number may not be claimed (syntax, taken, another's series).

    One message for "a certificate you cannot see has it" and "it lies in another issuer's
    series", so the answer tells nobody whether a certificate they may not see exists; a
    certificate the user may see is named as existing.
    """
    certificate = apps.get_model("registry", "Certificate")
    from jiliang.dbutil import in_values

    refusals: dict[int, str] = {}
    syntax: dict[str, str | None] = {}
    for value in set(numbers):
        syntax[value] = number_problem(value)
    wanted = sorted(v for v, reason in syntax.items() if reason is None)
    existing = set(
        certificate.objects.filter(number__in=in_values(wanted, "text")).values_list(
            "number", flat=True
        )
    )
    visible: set[str] = set()
    if existing:
        visible = set(
            certificate.objects.visible_to(user)
            .filter(number__in=sorted(existing))
            .values_list("number", flat=True)
        )
    index = SeriesIndex.load()
    for row, (number, issuer) in enumerate(zip(numbers, issuers, strict=True)):
        reason = syntax[number]
        if reason is None and number in existing:
            reason = (
                f"certificate {number!r} already exists (certificates are immutable)"
                if number in visible
                else f"{number!r} {UNAVAILABLE}"
            )
        elif reason is None and index.foreign(number, issuer):
            reason = f"{number!r} {UNAVAILABLE}"
        if reason is not None:
            refusals[row] = reason
    return refusals


def equipment_refusal(owner_id: int, standard_institution_id: int | None, code: str) -> str | None:
    """Why an instrument of `owner_id` may not become equipment of a standard (None: it may).

    Only an institution's own instruments make up its own standards: equipment decides
    whether a standard is usable (its certificates) and is shown on the public trace-up, so
    another's instrument would let anyone disable a laboratory's standard. The message is the
    same for a standard that does not exist and one of another institution.
    """
    if standard_institution_id is None or standard_institution_id != owner_id:
        return f"no standard with code {code[:40]!r} held by the instrument's owner"
    return None
