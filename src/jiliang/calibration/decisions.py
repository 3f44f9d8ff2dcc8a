"""Conformity of a job's results: the stated rule, the statements' labels and the conclusion.

JJF 1094-2002 5.3 is the default rule of verification (检定): a point whose |E| lies between
MPEV − U95 and MPEV + U95 is undecided (待定). Undecided is not pass: a verification job with an
undecided point and no failed point has no conclusion and cannot be issued — the
specification's remedy is to reduce U95 (a better standard, more readings, the change-point
method) and measure again. One failed point fails the instrument whatever the others say.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import translation
from django.utils.translation import pgettext_lazy

from jiliang.registry.models import Certificate

if TYPE_CHECKING:
    from jiliang.calibration.models import Job, Observation

UNDECIDED = "undecided"

JJF_1094_TEXT = (
    "JJF 1094-2002 5.3：U95 ≤ MPEV/3 时不计测量不确定度，|Δ| ≤ MPEV 为合格；否则 "
    "|Δ| ≤ MPEV − U95 合格，|Δ| ≥ MPEV + U95 不合格，其间为待定",
    "JJF 1094-2002 5.3: U95 ≤ MPEV/3, uncertainty ignored, |E| ≤ MPEV passes; otherwise "
    "|E| ≤ MPEV − U95 passes, |E| ≥ MPEV + U95 fails, undecided between",
)
SIMPLE_TEXT = (
    "简单接受（ILAC-G8:2019 4.2.1；仅当 U95 ≤ MPEV/3，JJF 1094-2002 5.3）",
    "simple acceptance (ILAC-G8:2019 4.2.1; only where U95 ≤ MPEV/3, JJF 1094-2002 5.3)",
)

# What a results table and the API's label show for each stored statement, in the page's
# language (Chinese msgids, English in calibration/locale). The context keeps these labels
# apart from other apps' "合格"/"不合格" (a lot's "Nonconforming", a dashboard's "Fail").
STATEMENT_LABELS = {
    "pass": pgettext_lazy("statement", "合格"),
    "fail": pgettext_lazy("statement", "不合格"),
    "conditionalPass": pgettext_lazy("statement", "有条件合格"),
    "conditionalFail": pgettext_lazy("statement", "有条件不合格"),
    UNDECIDED: pgettext_lazy("statement", "待定"),
}


def statement_label(statement: str) -> str:
    """Label of a stored statement in the active language ('' for none)."""
    label = STATEMENT_LABELS.get(statement)
    return str(label) if label is not None else statement


def certificate_label(statement: str) -> str:
    """The certificate's label, '合格 pass': the PDF is bilingual whatever language the signer
    browses in, so Chinese first and the catalogue's English after it."""
    label = STATEMENT_LABELS.get(statement)
    if label is None:
        return statement
    with translation.override("zh-hans"):
        zh = str(label)
    with translation.override("en"):
        en = str(label)
    return zh if en == zh else f"{zh} {en}"


@dataclass(frozen=True)
class Conclusion:
    """What a job concludes; ``conclusion`` is a Certificate.Conclusion or UNDECIDED."""

    kind: str
    conclusion: str
    failed: list[str]
    statement: bool
    undecided: tuple[str, ...] = ()


def verification_conclusion(finals: Iterable[Observation]) -> Conclusion:
    """Fail if any point fails; else undecided if any point is 待定; else pass."""
    finals = list(finals)
    undecided = tuple(o.label for o in finals if o.statement == UNDECIDED)
    failed = [o.label for o in finals if not o.accepted and o.statement != UNDECIDED]
    if failed:
        return Conclusion(
            Certificate.Kind.NOTICE, Certificate.Conclusion.FAIL, failed, True, undecided
        )
    if undecided:
        return Conclusion(Certificate.Kind.VERIFICATION, UNDECIDED, [], True, undecided)
    return Conclusion(Certificate.Kind.VERIFICATION, Certificate.Conclusion.PASS, [], True)


def undecided_problem(result: Conclusion) -> dict[str, str]:
    """The readiness problem of a verification that JJF 1094 cannot decide ({} if none)."""
    if result.conclusion != UNDECIDED:
        return {}
    return {
        "conformity": f"待定 undecided at {', '.join(result.undecided)}: "
        "MPEV − U95 < |E| < MPEV + U95, so JJF 1094-2002 5.3 allows neither pass nor fail "
        "(不能判定合格与否); reduce U95 (a better standard, more readings, the change-point "
        "method) and measure again"
    }


def dcc_conformity(statement: str, error: float | None, mpe: float) -> tuple[str, str, str]:
    """The DCC 3.3.0 ``conformity`` value of a stored statement, and a note (zh, en) for the
    declaration. DCC has no 待定: inside the tolerance it is written ``conditionalPass``,
    outside ``conditionalFail`` (the ILAC-G8 names of those zones), and the declaration says
    that JJF 1094 leaves the point undecided."""
    if statement != UNDECIDED:
        return statement, "", ""
    inside = error is not None and abs(error) <= mpe
    value = "conditionalPass" if inside else "conditionalFail"
    return value, "；本点待定", "; this point is undecided (待定)"


def changed_statements(job: Job) -> dict[str, str]:
    """Points whose stored statement the current rule would not give (label → why).

    Results are decided when they are recorded; a job recorded before a rule changed (e.g.
    under simple acceptance, before JJF 1094 became the default) must not be signed or issued
    on its old statements. Each signature re-decides from the stored inputs.
    """
    from django.core.exceptions import ValidationError

    from jiliang.calibration import services

    points = services.test_points(job)
    changed: dict[str, str] = {}
    for obs in job.observations.all():
        if obs.point_index >= len(points):
            changed[obs.label] = "no longer a test point of the procedure"
            continue
        try:
            now = services._compute(job, points[obs.point_index], obs.inputs)["statement"]
        except ValidationError as exc:
            changed[obs.label] = "; ".join(m for ms in exc.message_dict.values() for m in ms)
            continue
        if now != obs.statement:
            changed[obs.label] = (
                f"recorded {certificate_label(obs.statement) or '—'}, "
                f"now {certificate_label(now) or '—'}"
            )
    return changed


def stale_problem(job: Job) -> dict[str, str]:
    """The signing problem of results decided under another rule ({} if none)."""
    changed = changed_statements(job)
    if not changed:
        return {}
    detail = "; ".join(f"{label}: {why}" for label, why in changed.items())
    return {
        "observations": f"results decided under an earlier rule ({detail}): record the "
        "observations again (the same inputs give the current statements) and sign anew "
        "(结果需按现行判定规则重新记录)"
    }
