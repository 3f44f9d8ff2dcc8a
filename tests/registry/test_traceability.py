"""Trace up, trace down, chain validation (a reason per broken link) and impact analysis."""

from __future__ import annotations

import datetime as dt

from jiliang.registry import services, traceability
from jiliang.registry.models import (
    Certificate,
    ExaminationCertificate,
    Instrument,
    MeasurementStandard,
    ReferenceMaterial,
)

ON = dt.date(2026, 6, 1)


def codes(result: traceability.TraceUp) -> set[str]:
    return {p.code for _, p in result.problems}


def test_scale_traces_up_to_the_kilogram(world) -> None:
    result = traceability.trace_up(world.scale, ON)
    assert result.valid, result.problems
    assert result.terminals() == ["national_primary:GJJ(力)0101"]
    chain = result.as_dict()["chain"]
    assert chain["certificate"]["number"] == "ZB-2025-0001"
    f1 = chain["standards"][0]
    assert f1["code"] == "ZB-F1-001"
    assert f1["equipment"][0]["certificate"]["number"] == "SD-2025-0001"
    e2 = f1["equipment"][0]["standards"][0]
    assert e2["equipment"][0]["standards"][0]["terminal"] == "national_primary"


def test_standard_certificate_expired_when_used(world) -> None:
    # The F1 weight's certificate (2025-04-01, one year) had expired when the scale was
    # verified on 2026-05-01 with the F1 standard.
    cert = Certificate.objects.create(
        number="ZB-2026-0100",
        kind="verification",
        issuer=world.city,
        instrument=world.scale,
        regulation="JJG 539-2016",
        calibration_date=dt.date(2026, 5, 1),
        issued_on=dt.date(2026, 5, 1),
        valid_until=dt.date(2027, 4, 30),
        conclusion="pass",
    )
    cert.use_standards(world.f1)
    result = traceability.trace_up(world.scale, ON)
    assert "certificate_expired" in codes(result)
    assert not result.valid
    assert any("SD-2025-0001" in p.message for _, p in result.problems)


def test_examination_certificate_expired(world) -> None:
    ExaminationCertificate.objects.filter(standard=world.f1).update(valid_until=dt.date(2025, 8, 1))
    assert "examination_expired" in codes(traceability.trace_up(world.scale, ON))


def test_missing_link_when_standard_has_no_equipment(world) -> None:
    Instrument.objects.filter(pk=world.f1_weight.pk).update(part_of_standard=None)
    assert "missing_link" in codes(traceability.trace_up(world.scale, ON))


def test_standard_outside_its_range(world) -> None:
    MeasurementStandard.objects.filter(pk=world.f1.pk).update(range_max=10)
    assert "out_of_range" in codes(traceability.trace_up(world.scale, ON))


def test_uncertainty_ratio_below_threshold(world) -> None:
    # scale MPE 0.01 kg; a standard with U = 0.005 kg gives a ratio of 2 < 3.
    MeasurementStandard.objects.filter(pk=world.f1.pk).update(expanded_uncertainty=0.005)
    problems = [p for _, p in traceability.trace_up(world.scale, ON).problems]
    assert [p.message for p in problems if p.code == "uncertainty_ratio"] == [
        "MPE/U = 2.00 below 3"
    ]


def test_reference_material_past_expiry(world) -> None:
    from jiliang.registry.models import Quantity

    material = ReferenceMaterial.objects.create(
        gbw_number="GBW07101",
        name="RM",
        producer=world.nim,
        quantity=Quantity.objects.get(code="mass"),
        certified_value=1.0,
        unit="kg",
        expanded_uncertainty=0.001,
        expiry=dt.date(2025, 8, 1),
    )
    assert material.grade == 1
    world.cert_scale.materials_used.add(material)
    assert "material_expired" in codes(traceability.trace_up(world.scale, ON))


def test_nonconforming_standard(world) -> None:
    MeasurementStandard.objects.filter(pk=world.f1.pk).update(
        status="nonconforming", nonconforming_since=dt.date(2025, 6, 1)
    )
    assert "nonconforming" in codes(traceability.trace_up(world.scale, ON))
    # but a certificate issued before the finding stays valid as of that time
    assert "nonconforming" not in codes(traceability.trace_up(world.scale, dt.date(2025, 5, 1)))


def test_external_nmi_with_cmc_ends_the_chain(world) -> None:
    # The E2 weight was recalibrated at PTB on 2025-03-15, after NIM (2025-03-01) and before
    # it was used on 2025-04-01: the chain in force ends abroad, under the CIPM MRA.
    Certificate.objects.create(
        number="PTB-2025-77",
        kind="calibration",
        external_issuer="PTB",
        cmc_reference="EURAMET-M-DE-00000001",
        instrument=world.e2_weight,
        regulation="ISO/IEC 17025",
        calibration_date=dt.date(2025, 3, 15),
        issued_on=dt.date(2025, 3, 16),
        valid_until=dt.date(2027, 5, 31),
        conclusion="calibrated",
    )
    result = traceability.trace_up(world.scale, ON)
    assert result.valid
    assert result.terminals() == ["external_nmi:PTB CMC EURAMET-M-DE-00000001"]


def test_trace_down_reaches_every_dependant(world) -> None:
    down = traceability.trace_down(world.primary, restrict=False)
    assert set(down.standards) == {world.primary.pk, world.e2.pk, world.f1.pk}
    assert set(down.certificate_ids.values_list("number", flat=True)) == {
        "NIM-2025-0001",
        "SD-2025-0001",
        "ZB-2025-0001",
    }
    assert world.scale.pk in set(down.instrument_ids.values_list("pk", flat=True))


def test_trace_down_is_scoped(world) -> None:
    down = traceability.trace_down(world.primary, world.users["market"])
    assert list(down.certificate_ids.values_list("number", flat=True)) == ["ZB-2025-0001"]


def test_impact_lists_certificates_since_last_good_calibration(world) -> None:
    # The E2 standard is found nonconforming on 2026-01-10; its equipment was last calibrated
    # (good) on 2025-03-01, so everything issued with it or below since then is affected.
    last_good, rows = traceability.impact(world.e2, dt.date(2026, 1, 10), world.users["admin"])
    assert last_good == dt.date(2025, 3, 1)
    assert [r.certificate for r in rows] == ["SD-2025-0001", "ZB-2025-0001"]
    assert {r.customer for r in rows} == {"淄博市计量技术研究院", "淄博某农贸市场"}
    assert rows[1].via_standard == "ZB-F1-001"
    _, before = traceability.impact(world.e2, dt.date(2025, 3, 15), world.users["admin"])
    assert before == []


def test_interlock_refuses_overdue_or_failed_standards(world) -> None:
    assert services.standard_problems(world.f1, dt.date(2026, 1, 1)) == []
    late = services.standard_problems(world.f1, dt.date(2026, 5, 1))
    assert any("expired" in p for p in late)
    MeasurementStandard.objects.filter(pk=world.e2.pk).update(
        status="nonconforming", nonconforming_since=dt.date(2025, 12, 1)
    )
    world.e2.refresh_from_db()
    assert any(
        "nonconforming" in p for p in services.standard_problems(world.e2, dt.date(2026, 1, 1))
    )
    choices = dict(
        (s.code, p)
        for s, p in services.selectable_standards(
            on=dt.date(2026, 1, 1), low=0.04, high=15, max_uncertainty=0.001
        )
    )
    assert choices["ZB-F1-001"] == []
    assert choices["SD-E2-001"]


def test_links_older_than_any_ratio_rule_are_traced_without_it(world) -> None:
    # rules.yaml's ratio rule applies from 2000-01-01; a 1999 link is traced, not refused.
    old = Certificate.objects.create(
        number="ZB-1999-0001",
        kind="verification",
        issuer=world.city,
        instrument=world.scale,
        regulation="JJG 539-1997",
        calibration_date=dt.date(1999, 6, 1),
        issued_on=dt.date(1999, 6, 1),
        valid_until=dt.date(2000, 5, 31),
        conclusion="pass",
    )
    old.use_standards(world.f1)
    result = traceability.trace_up(world.scale, dt.date(1999, 7, 1))
    assert "uncertainty_ratio" not in codes(result)
    assert "missing_link" in codes(result)  # the F1 weight had no certificate yet in 1999
