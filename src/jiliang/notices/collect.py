"""What each recipient should be told on a day: candidate notices, built set-based.

Due and overdue reminders are one aggregate over the instruments' cached due dates (the
owner/due-date index), grouped per owner: at 10^6 instruments one notice per owner per month
gives the counts and a link to the due list, never one notice per instrument. The registry
and calibration apps are only read here; they do not know this app exists.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, Min, OuterRef, Q
from django.urls import reverse

from jiliang.calibration.models import Job, Observation, RecallItem
from jiliang.notices.models import Kind
from jiliang.registry import rules
from jiliang.registry.models import CatalogueItem, ExaminationCertificate, Institution, Instrument
from jiliang.registry.querysets import in_region, region_prefix

JOB_WINDOW_DAYS = 180  # jobs received this long ago or less are followed for their customer


@dataclass(frozen=True)
class Candidate:
    """A notice as it would be stored; (user_id, kind, subject, period) is its identity."""

    user_id: int
    kind: str
    subject: str
    period: str
    title_zh: str
    title_en: str
    body_zh: str
    body_en: str
    link: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[int, str, str, str]:
        return (self.user_id, self.kind, self.subject, self.period)


@dataclass(frozen=True)
class Scope:
    """Whom to consider: everybody, one user, or the users of one institution."""

    user_id: int | None = None
    institution_id: int | None = None


def _recipients(institution_ids: Iterable[int], scope: Scope) -> dict[int, list[int]]:
    """Active users of each institution (one query), narrowed to the scope."""
    from jiliang.accounts.models import User

    users = User.objects.filter(is_active=True, institution_id__in=set(institution_ids))
    if scope.user_id is not None:
        users = users.filter(pk=scope.user_id)
    if scope.institution_id is not None:
        users = users.filter(institution_id=scope.institution_id)
    found: dict[int, list[int]] = defaultdict(list)
    for user_id, institution_id in users.order_by("id").values_list("id", "institution_id"):
        found[institution_id].append(user_id)
    return found


def _scoped_institutions(scope: Scope) -> list[int] | None:
    """The institutions that can have a recipient in the scope; None: every institution.

    Unscoped runs add no institution filter at all: a join from jobs to instruments for it
    made SQLite walk all 10^6 instruments to find the (few) jobs.
    """
    if scope.institution_id is not None:
        return [scope.institution_id]
    if scope.user_id is not None:
        from jiliang.accounts.models import User

        found = User.objects.filter(pk=scope.user_id).values_list("institution_id", flat=True)
        return [i for i in found if i is not None]
    return None


def _within(field_name: str, scope: Scope) -> Q:
    institutions = _scoped_institutions(scope)
    return Q() if institutions is None else Q(**{f"{field_name}__in": institutions})


def due_reminders(on: dt.date, scope: Scope) -> Iterator[Candidate]:
    """Per owner and month: instruments due within the recall window, and overdue ones."""
    recall = rules.rule("recall", on)
    overdue_before = on - dt.timedelta(days=int(recall["grace_days"]))
    horizon = on + dt.timedelta(days=int(recall["advance_days"]))
    rows = (
        Instrument.objects.filter(
            _within("owner_id", scope), status=Instrument.Status.IN_SERVICE, due_date__lte=horizon
        )
        .values("owner_id")
        .annotate(
            due=Count("id", filter=Q(due_date__gte=overdue_before)),
            overdue=Count("id", filter=Q(due_date__lt=overdue_before)),
            first_due=Min("due_date", filter=Q(due_date__gte=overdue_before)),
            first_overdue=Min("due_date", filter=Q(due_date__lt=overdue_before)),
        )
        .order_by("owner_id")
    )
    rows = list(rows)
    people = _recipients((r["owner_id"] for r in rows), scope)
    period = on.strftime("%Y-%m")
    days = int(recall["advance_days"])
    for row in rows:
        owner = row["owner_id"]
        link = f"{reverse('registry:due')}?owner={owner}"
        for user_id in people.get(owner, []):
            if row["due"]:
                n, first = row["due"], row["first_due"]
                yield Candidate(
                    user_id,
                    Kind.DUE,
                    f"owner:{owner}",
                    period,
                    f"{n} 台计量器具将在 {days} 天内到期",
                    f"{n} instrument(s) come due within {days} days",
                    f"{n} 台在用计量器具的检定/校准有效期将在 {days} 天内届满（最早 {first}），"
                    "请及时送检。",
                    f"{n} instrument(s) in service reach the end of their verification or "
                    f"calibration interval within {days} days (the first on {first}); please "
                    "send them in.",
                    link,
                    {"owner": owner, "count": n, "first": str(first), "on": str(on)},
                )
            if row["overdue"]:
                n, first = row["overdue"], row["first_overdue"]
                yield Candidate(
                    user_id,
                    Kind.OVERDUE,
                    f"owner:{owner}",
                    period,
                    f"{n} 台计量器具已超期",
                    f"{n} instrument(s) overdue",
                    f"{n} 台在用计量器具已超过检定/校准有效期（最早 {first} 到期），"
                    "超期使用的器具应停用并送检。",
                    f"{n} instrument(s) in service are past their due date (the first since "
                    f"{first}); an overdue instrument must be taken out of use and sent in.",
                    link,
                    {"owner": owner, "count": n, "first": str(first), "on": str(on)},
                )


def reexamination_reminders(on: dt.date, scope: Scope) -> Iterator[Candidate]:
    """Examination certificates 计量标准考核证书 inside the months before expiry in which the
    standard's owner must apply for reexamination (rules.yaml, 计量标准考核办法 Art. 16)."""
    months = int(rules.rule("reexamination_reminder", on)["months_before_expiry"])
    newer = ExaminationCertificate.objects.filter(
        standard_id=OuterRef("standard_id"),
        valid_until__gt=OuterRef("valid_until"),
        revoked_on__isnull=True,
    )
    certs = (
        ExaminationCertificate.objects.filter(
            _within("standard__institution_id", scope),
            revoked_on__isnull=True,
            issued_on__lte=on,
            valid_until__gte=on,
            valid_until__lte=rules.add_months(on, months),
        )
        .exclude(standard__status="retired")
        .exclude(Exists(newer))
        .select_related("standard")
        .order_by("id")
    )
    certs = [c for c in certs if rules.reexamination_reminder(c.valid_until) <= on]
    people = _recipients((c.standard.institution_id for c in certs), scope)
    for cert in certs:
        standard = cert.standard
        for user_id in people.get(standard.institution_id, []):
            yield Candidate(
                user_id,
                Kind.REEXAMINATION,
                f"examination:{cert.pk}",
                str(cert.valid_until),
                f"计量标准 {standard.code} 的考核证书将于 {cert.valid_until} 到期",
                f"Examination certificate of standard {standard.code} expires on "
                f"{cert.valid_until}",
                f"计量标准“{standard.name}”（{standard.code}）的考核证书 {cert.number} "
                f"有效期至 {cert.valid_until}；应在有效期届满前 {months} 个月申请复查。",
                f"The examination certificate {cert.number} of the standard {standard.name} "
                f"({standard.code}) is valid until {cert.valid_until}; reexamination must be "
                f"applied for {months} months before it expires.",
                reverse("registry:standard", args=[standard.pk]),
                {"certificate": cert.number, "valid_until": str(cert.valid_until)},
            )


# The customer's view of a job: not the laboratory's internal steps (record, check, approve).
JOB_STAGES = {
    "received": ("已收样", "received"),
    "in_work": ("检定/校准中", "in work"),
    "awaiting": ("待签字", "awaiting signatures"),
    "issued": ("已出证", "issued"),
    "returned": ("已退还", "returned"),
}


def job_stage(status: str, has_observations: bool, returned: bool = False) -> str:
    if returned:  # the instrument is back with its owner (calibration/returns.py)
        return "returned"
    if status == Job.Status.ISSUED:
        return "issued"
    if status in (Job.Status.RECORDED, Job.Status.CHECKED):
        return "awaiting"
    return "in_work" if has_observations else "received"


def job_notices(on: dt.date, scope: Scope) -> Iterator[Candidate]:
    """The owner of a job's instrument, told each stage once (the stage is the period)."""
    jobs = (
        Job.objects.filter(
            _within("instrument__owner_id", scope),
            received_on__lte=on,
            received_on__gte=on - dt.timedelta(days=JOB_WINDOW_DAYS),
        )
        .annotate(has_obs=Exists(Observation.objects.filter(job_id=OuterRef("pk"))))
        .select_related("lab", "instrument", "certificate")
        .order_by("id")
    )
    # the laboratory's own instruments are not a customer's job
    jobs = [j for j in jobs if j.instrument.owner_id != j.lab_id]
    people = _recipients((j.instrument.owner_id for j in jobs), scope)
    for job in jobs:
        stage = job_stage(job.status, job.has_obs, job.returned_on is not None)
        zh, en = JOB_STAGES[stage]
        instrument = job.instrument
        link = (
            reverse("registry:certificate", args=[job.certificate_id]) if job.certificate_id else ""
        )
        number = f"，证书编号 {job.certificate.number}" if job.certificate else ""
        number_en = f", certificate {job.certificate.number}" if job.certificate else ""
        for user_id in people.get(instrument.owner_id, []):
            yield Candidate(
                user_id,
                Kind.JOB,
                f"job:{job.pk}",
                stage,
                f"{instrument.name} {instrument.serial_number}：{zh}",
                f"{instrument.name} {instrument.serial_number}: {en}",
                f"{job.lab.name_zh} 收样单 {job.receipt_number}（{job.received_on} 收样）"
                f"当前状态：{zh}{number}。",
                f"Receipt {job.receipt_number} at {job.lab.name_en or job.lab.name_zh} "
                f"(received {job.received_on}) is now {en}{number_en}.",
                link,
                {"job": job.pk, "stage": stage},
            )


def recall_notices(on: dt.date, scope: Scope) -> Iterator[Candidate]:
    """Customers of certificates in an open recall that are not yet resolved."""
    items = (
        RecallItem.objects.filter(
            _within("customer_id", scope),
            recall__closed_at__isnull=True,
            new_certificate__isnull=True,
            waived_reason="",
        )
        .select_related("recall__lab", "recall__standard", "certificate__instrument")
        .order_by("id")
    )
    items = list(items)
    people = _recipients((i.customer_id for i in items), scope)
    for item in items:
        recall, cert = item.recall, item.certificate
        lab = recall.lab
        instrument = cert.instrument
        for user_id in people.get(item.customer_id, []):
            yield Candidate(
                user_id,
                Kind.RECALL,
                f"recall_item:{item.pk}",
                str(recall.nonconforming_since),
                f"证书 {cert.number} 被召回，请重新检定/校准",
                f"Certificate {cert.number} recalled: please have it re-verified",
                f"{lab.name_zh} 发现其计量标准 {recall.standard.code} 自 "
                f"{recall.nonconforming_since} 起不合格；用它出具的证书 {cert.number}"
                f"（{instrument.name} {instrument.serial_number}）的结果不再可信，"
                "请联系该机构重新检定/校准。",
                f"{lab.name_en or lab.name_zh} found its standard {recall.standard.code} "
                f"nonconforming since {recall.nonconforming_since}; the results of certificate "
                f"{cert.number} ({instrument.name} {instrument.serial_number}), issued with it, "
                "can no longer be relied on: please contact the laboratory for re-verification.",
                reverse("registry:certificate", args=[cert.pk]),
                {"recall": recall.pk, "certificate": cert.number},
            )


def mandatory_pairs() -> dict[int, frozenset[str]]:
    """Catalogue item → the use areas in which its instruments are under mandatory
    verification (registry.services.mandatory_status decides the same per instrument)."""
    items = CatalogueItem.objects.exclude(supervision=CatalogueItem.Supervision.P)
    return {
        pk: frozenset(areas)
        for pk, areas in items.values_list("pk", "mandatory_use_areas")
        if areas
    }


def region_range(prefix: str) -> Q:
    """Division codes starting with a region's prefix, also as a range of the index: a
    count needs no ordering, so SQLite too reads only the region's part of the index."""
    condition = in_region("division_code", prefix)
    if prefix.isdigit():
        condition &= Q(division_code__gte=prefix)
        if prefix.strip("9"):
            condition &= Q(division_code__lt=str(int(prefix) + 1).zfill(len(prefix)))
    return condition


def overdue_mandatory(
    prefix: str, overdue_before: dt.date, pairs: dict[int, frozenset[str]]
) -> int:
    """Overdue instruments under mandatory verification in a region.

    Counted per (catalogue item, use area) from the region's range of the division/due-date
    index, then summed for the mandatory pairs: written as one OR per item in SQL, SQLite
    drove the count from the category index instead and took 1.7 s at 10^6 instruments.
    """
    rows = (
        Instrument.objects.filter(
            region_range(prefix),
            status=Instrument.Status.IN_SERVICE,
            due_date__lt=overdue_before,
        )
        .values("category_id", "use_area")
        .annotate(n=Count("id"))
        .order_by()
    )
    return sum(
        row["n"] for row in rows if row["use_area"] in pairs.get(row["category_id"], frozenset())
    )


def region_notices(on: dt.date, scope: Scope) -> Iterator[Candidate]:
    """Each regulator: overdue instruments under mandatory verification in its region."""
    recall = rules.rule("recall", on)
    overdue_before = on - dt.timedelta(days=int(recall["grace_days"]))
    regulators = Institution.objects.filter(_within("pk", scope), kind=Institution.Kind.REGULATOR)
    regulators = list(regulators.order_by("id"))
    people = _recipients((r.pk for r in regulators), scope)
    pairs = mandatory_pairs()
    period = on.strftime("%Y-%m")
    for regulator in regulators:
        users = people.get(regulator.pk, [])
        if not users:
            continue
        prefix = region_prefix(regulator.division_code)
        n = overdue_mandatory(prefix, overdue_before, pairs)
        if not n:
            continue
        for user_id in users:
            yield Candidate(
                user_id,
                Kind.REGION_OVERDUE,
                f"region:{prefix}",
                period,
                f"辖区内 {n} 台强制检定计量器具已超期",
                f"{n} instrument(s) under mandatory verification overdue in your region",
                f"行政区划 {regulator.division_code} 辖区内有 {n} 台列入强制检定目录、"
                f"用于强检用途的在用计量器具已超过检定有效期（截至 {on}）。",
                f"In the region {regulator.division_code}, {n} instrument(s) in service under "
                f"mandatory verification are past their due date (on {on}).",
                f"{reverse('registry:due')}?region={prefix}",
                {"region": prefix, "count": n, "on": str(on)},
            )


COLLECTORS = {
    Kind.DUE: due_reminders,  # yields due and overdue both
    Kind.REEXAMINATION: reexamination_reminders,
    Kind.JOB: job_notices,
    Kind.RECALL: recall_notices,
    Kind.REGION_OVERDUE: region_notices,
}


def candidates(on: dt.date, scope: Scope) -> Iterator[Candidate]:
    for collect in COLLECTORS.values():
        yield from collect(on, scope)
