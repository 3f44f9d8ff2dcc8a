"""Three signatures and atomic issue: who may sign, rejection, numbering, due date, traceability.

Rules under test: 计量法实施细则 / JJF 1069 practice of three signatures by three different
registered metrologists (注册计量师) whose registration is valid and covers the item; ISO/IEC
17025 7.8.2 (certificate content); ARCHITECTURE rule 5 (issued records never change).
Validity: JJG 539-2016 sets a period of at most 12 months (procedure data file).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from tests.calibration.conftest import WORK_DAY, ready_job

pytestmark = pytest.mark.django_db


def _sign_all(lab: Any, job: Any) -> Any:
    from jiliang.calibration import services

    services.sign(job, lab.recorder)
    services.sign(job, lab.checker)
    services.sign(job, lab.approver)
    job.refresh_from_db()
    return job


def test_three_signatures_issue_a_certificate(lab: Any) -> None:
    from jiliang.calibration.models import IssuedDocument, NumberSeries, SignatureEvent
    from jiliang.registry import services as registry_services
    from jiliang.registry import traceability

    job = _sign_all(lab, ready_job(lab))
    cert = job.certificate
    assert job.status == "issued"
    year = cert.issued_on.year
    assert cert.number == f"370300-{year}-000001"
    assert (cert.kind, cert.conclusion, cert.accuracy_class) == ("verification", "pass", "III")
    assert cert.calibration_date == WORK_DAY
    # 12-month period from 2025-12-01: valid through 2026-11-30.
    assert cert.valid_until == dt.date(2026, 11, 30)
    assert [cert.verifier, cert.checker, cert.approver] == [
        lab.people["recorder"],
        lab.people["checker"],
        lab.people["approver"],
    ]
    assert list(cert.standards_used.values_list("code", flat=True)) == ["ZB-F1-001"]
    assert registry_services.due_date(lab.world.scale) == dt.date(2026, 11, 30)
    chain = traceability.trace_up(lab.world.scale, WORK_DAY)
    assert chain.root.certificate == cert
    assert [s.standard.code for s in chain.root.standards] == ["ZB-F1-001"]
    assert set(
        IssuedDocument.objects.filter(certificate=cert).values_list("format", flat=True)
    ) == {
        "pdf",
        "dcc",
    }
    steps = list(SignatureEvent.objects.filter(job=job).values_list("step", "action"))
    assert steps == [("record", "sign"), ("check", "sign"), ("approve", "sign")]
    assert NumberSeries.objects.get(institution=lab.world.city).last_seq == 1


def test_signature_records_are_append_only(lab: Any) -> None:
    from jiliang.calibration import services

    event = services.sign(ready_job(lab), lab.recorder)
    event.reason = "edited"
    with pytest.raises(ValidationError, match="append-only"):
        event.save()
    with pytest.raises(ValidationError, match="never deleted"):
        event.delete()


def test_same_person_cannot_sign_twice(lab: Any) -> None:
    from jiliang.calibration import services

    job = ready_job(lab)
    services.sign(job, lab.recorder)
    with pytest.raises(ValidationError) as info:
        services.sign(job, lab.recorder)
    assert "three different persons" in info.value.message_dict["signer"][0]
    job.refresh_from_db()
    assert job.status == "recorded"


def test_unregistered_user_is_refused(lab: Any) -> None:
    from jiliang.accounts.models import User
    from jiliang.calibration import services

    intern = User.objects.create_user(
        "zibo_intern", password="pw-test-123", institution=lab.world.city, role="lab"
    )
    job = ready_job(lab)
    with pytest.raises(ValidationError) as info:
        services.sign(job, intern)
    assert "not a registered metrologist" in info.value.message_dict["signer"][0]
    assert not job.signatures.exists()


def test_registration_must_cover_the_item_and_be_valid(lab: Any) -> None:
    from jiliang.calibration import services

    job = ready_job(lab)
    services.sign(job, lab.recorder)
    checker = lab.people["checker"]
    checker.registration_scope = ["pressure"]
    checker.save()
    with pytest.raises(ValidationError) as info:
        services.sign(job, lab.checker)
    assert "does not cover mass / C01" in info.value.message_dict["signer"][0]
    checker.registration_scope = ["C01"]
    checker.valid_until = dt.date(2024, 12, 31)
    checker.save()
    with pytest.raises(ValidationError) as info:
        services.sign(job, lab.checker)
    assert "REG-C-checker" in info.value.message_dict["signer"][0]
    assert "not valid on" in info.value.message_dict["signer"][0]
    checker.valid_until = dt.date(2030, 1, 1)
    checker.roles = ["verifier"]
    checker.save()
    with pytest.raises(ValidationError, match="role checker"):
        services.sign(job, lab.checker)
    job.refresh_from_db()
    assert job.status == "recorded"


def test_other_lab_staff_cannot_sign(lab: Any) -> None:
    from jiliang.calibration import services

    job = ready_job(lab)
    with pytest.raises(ValidationError, match="is not staff of"):
        services.sign(job, lab.world.users["sd_lab"])


def test_rejection_returns_to_the_earlier_step_with_reason(lab: Any) -> None:
    from jiliang.calibration import services

    job = ready_job(lab)
    services.sign(job, lab.recorder)
    with pytest.raises(ValidationError, match="needs a reason"):
        services.reject(job, lab.checker, " ")
    services.reject(job, lab.checker, "温度记录缺失 temperature log missing")
    job.refresh_from_db()
    assert job.status == "draft"
    # the next round starts afresh: the recorder signs again, then checker and approver
    services.sign(job, lab.recorder)
    services.sign(job, lab.checker)
    services.reject(job, lab.approver, "wrong class on the cover")
    job.refresh_from_db()
    assert job.status == "recorded"
    services.sign(job, lab.checker)
    services.sign(job, lab.approver)
    job.refresh_from_db()
    assert job.status == "issued"
    rounds = list(job.signatures.values_list("round", "step", "action"))
    assert rounds == [
        (1, "record", "sign"),
        (1, "check", "reject"),
        (2, "record", "sign"),
        (2, "check", "sign"),
        (2, "approve", "reject"),
        (3, "check", "sign"),
        (3, "approve", "sign"),
    ]
    assert job.signatures.get(action="reject", step="check").reason.startswith("温度")


def test_recorder_cannot_sign_an_incomplete_job(lab: Any) -> None:
    from jiliang.calibration import services
    from tests.calibration.conftest import make_job

    job = make_job(lab)
    with pytest.raises(ValidationError) as info:
        services.sign(job, lab.recorder)
    assert {"standards", "work_date", "observations"} <= set(info.value.message_dict)


def test_crash_mid_issue_leaves_no_certificate_and_no_consumed_number(lab: Any) -> None:
    from jiliang.calibration import services
    from jiliang.calibration.models import IssuedDocument, NumberSeries
    from jiliang.registry.models import Certificate

    job = ready_job(lab)
    services.sign(job, lab.recorder)
    services.sign(job, lab.checker)
    before = Certificate.objects.count()
    taken: list[str] = []

    def crash(number: str) -> None:
        taken.append(number)
        assert NumberSeries.objects.get(institution=lab.world.city).last_seq == 1
        raise RuntimeError("power failure after the counter moved")

    with pytest.raises(RuntimeError):
        services.sign(job, lab.approver, on_numbered=crash)
    assert taken and taken[0].endswith("-000001")
    assert Certificate.objects.count() == before
    assert not IssuedDocument.objects.exists()
    assert not NumberSeries.objects.filter(last_seq__gt=0).exists()
    job.refresh_from_db()
    assert (job.status, job.certificate_id) == ("checked", None)
    assert job.signatures.filter(step="approve").count() == 0
    services.sign(job, lab.approver)
    job.refresh_from_db()
    assert job.certificate.number == taken[0]  # the same number, never a gap


def test_numbers_follow_the_configured_pattern_and_never_repeat(lab: Any) -> None:
    from jiliang.calibration import services
    from tests.calibration.conftest import make_job, scale_rows

    with pytest.raises(ValidationError, match=r"must contain \{seq\}"):
        services.configure_numbering(lab.recorder, "ZBJL", "{institution_code}-{year}")
    with pytest.raises(ValidationError, match="unknown field"):
        services.configure_numbering(lab.recorder, "ZBJL", "{lab}-{seq}")
    services.configure_numbering(lab.recorder, "ZBJL", "{institution_code}J{seq:05d}")
    numbers = []
    for n in range(2):
        job = make_job(lab, receipt=f"R-10{n}")
        services.set_standards(job, lab.recorder, [lab.world.f1.pk])
        services.set_conditions(
            job, lab.recorder, work_date=WORK_DAY, place="lab", environment={"temperature": 20}
        )
        services.record_observations(job, lab.recorder, scale_rows([0] * 5))
        numbers.append(_sign_all(lab, job).certificate.number)
    assert numbers == ["ZBJLJ00001", "ZBJLJ00002"]


def test_failed_verification_gives_a_notice_without_validity(lab: Any) -> None:
    from jiliang.registry import services as registry_services

    before = registry_services.due_date(lab.world.scale)
    job = _sign_all(lab, ready_job(lab, [0, 0, 6.0, 0, 0]))
    cert = job.certificate
    assert (cert.kind, cert.conclusion, cert.valid_until) == ("notice", "fail", None)
    assert registry_services.due_date(lab.world.scale) == before


def test_a_standard_found_nonconforming_stops_signing_and_issue(lab: Any) -> None:
    from jiliang.calibration import services
    from jiliang.registry.models import Certificate

    job = ready_job(lab)
    services.sign(job, lab.recorder)
    services.sign(job, lab.checker)
    f1 = lab.world.f1
    f1.status, f1.nonconforming_since = "nonconforming", dt.date(2025, 11, 1)
    f1.save()
    before = Certificate.objects.count()
    with pytest.raises(ValidationError) as info:
        services.sign(job, lab.approver)
    assert "ZB-F1-001: standard found nonconforming since 2025-11-01" in str(info.value)
    assert Certificate.objects.count() == before
    job.refresh_from_db()
    assert job.status == "checked"
    services.reject(job, lab.approver, "standard nonconforming")
    services.reject(job, lab.checker, "re-do with another standard")
    job.refresh_from_db()
    with pytest.raises(ValidationError) as info:
        services.sign(job, lab.recorder)
    assert "standards.ZB-F1-001" in info.value.message_dict
