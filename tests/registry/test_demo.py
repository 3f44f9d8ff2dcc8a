"""The demo dataset (issue #2 §6): deterministic, realistic, and true to the registry's rules.

The expected sizes come from the issue itself ("about 1,000 instruments and 3,000
certificates"); everything else checks the demo against the rules the registry enforces:
GB 32100-2015 check characters, the 4-year examination certificate with its 6-month reminder
(计量标准考核办法 Art. 15/16, in data/registry/rules.yaml), signatories with a valid
registration covering the item, and chains that reach a national primary standard.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.db import transaction
from django.test import override_settings

from jiliang.codes import check_uscc
from jiliang.registry import rules, services, traceability
from jiliang.registry.counting import Tally
from jiliang.registry.demo import DEMO_PASSWORD, DemoSummary, build_demo, digest
from jiliang.registry.models import (
    Authorisation,
    Certificate,
    ExaminationCertificate,
    Institution,
    Instrument,
    MeasurementStandard,
    Person,
)

DAY = dt.date(2026, 6, 1)


@dataclass
class Demo:
    summary: DemoSummary
    first_digest: str
    second_digest: str


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Demo]:
    """Build once into an empty database and throw it away, then build again and keep it."""
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast, transaction.atomic():
        with transaction.atomic():
            build_demo(DAY)
            first = digest()
            transaction.set_rollback(True)
        summary = build_demo(DAY)
        yield Demo(summary, first, digest())
        transaction.set_rollback(True)


def instrument(demo: Demo, key: str) -> Instrument:
    return Instrument.objects.get(pk=demo.summary.highlights[f"{key}_instrument"])


def test_sizes_match_the_issue(demo: Demo, db: Any) -> None:
    counts = demo.summary.counts
    assert demo.summary.created
    assert 900 <= counts["instruments"] <= 1100
    assert 2700 <= counts["certificates"] <= 3600
    assert Instrument.objects.count() == counts["instruments"]
    kinds = Counter(Certificate.objects.values_list("kind", flat=True))
    assert kinds["verification"] and kinds["notice"] and kinds["calibration"]


def test_two_builds_are_identical(demo: Demo, db: Any) -> None:
    assert demo.first_digest == demo.second_digest


def test_second_build_changes_nothing(demo: Demo, db: Any) -> None:
    before = digest()
    again = build_demo(DAY)
    assert not again.created
    assert again.counts == demo.summary.counts
    assert again.highlights == demo.summary.highlights
    assert digest() == before


def test_every_uscc_passes_gb_32100(demo: Demo, db: Any) -> None:
    codes = list(Institution.objects.values_list("uscc", flat=True))
    assert len(codes) >= 10
    for code in codes:
        assert check_uscc(code) == code


def test_the_cast_is_complete(demo: Demo, db: Any) -> None:
    kinds = Counter(Institution.objects.values_list("kind", flat=True))
    assert kinds["nmi"] == 1 and kinds["legal_provincial"] == 1 and kinds["legal_city"] == 1
    assert kinds["enterprise"] >= 3 and kinds["regulator"] == 2
    centre = Institution.objects.get(kind="industrial_centre")
    assert centre.centre_state == "accepted" and centre.division_code == "370305"
    forms = set(Authorisation.objects.values_list("form", flat=True))
    assert forms == set(Authorisation.Form.values)
    primaries = MeasurementStandard.objects.filter(kind="national_primary")
    assert {"GJJ(力)0101", "GJJ(力)0501"} <= set(primaries.values_list("code", flat=True))
    assert not Instrument.objects.filter(part_of_standard__in=primaries).exists()


def test_logins_work_with_the_demo_password(demo: Demo, db: Any) -> None:
    names = [login.username for login in demo.summary.logins]
    assert names == [
        "admin",
        "nim_lab",
        "nim_checker",
        "nim_recorder",
        "sd_lab",
        "sd_checker",
        "sd_recorder",
        "zibo_lab",
        "zibo_checker",
        "zibo_recorder",
        "alu_centre",
        "alu_checker",
        "alu_recorder",
        "alu_plant",
        "market",
        "taxi",
        "regulator_zibo",
        "regulator_sd",
    ]
    user = authenticate(username="market", password=DEMO_PASSWORD)
    assert user is not None and user.role == "owner"
    assert user.institution.kind == "enterprise"
    admin = authenticate(username="admin", password=DEMO_PASSWORD)
    assert admin is not None and admin.is_superuser


def test_a_market_scale_traces_to_the_kilogram(demo: Demo, db: Any) -> None:
    scale = instrument(demo, "valid_chain")
    assert services.mandatory_status(scale).mandatory
    result = traceability.trace_up(scale, DAY)
    assert result.valid, result.problems
    assert result.terminals() == ["national_primary:GJJ(力)0101"]
    # scale ← M1 ← F1 ← E2 ← E1 ← kilogram: the five-level chain of JJG 2053-2016.
    codes = []
    node: Any = result.root
    while node.standards:
        standard = node.standards[0]
        codes.append(standard.standard.code)
        node = standard.equipment[0] if standard.equipment else standard
        if not standard.equipment:
            break
    assert codes == ["ZBJL-M-M1", "ZBJL-M-F1", "SDJL-M-E2", "SDJL-M-E1", "GJJ(力)0101"]


def test_the_broken_chain_says_why(demo: Demo, db: Any) -> None:
    scale = instrument(demo, "broken_chain")
    result = traceability.trace_up(scale, DAY)
    assert not result.valid
    assert [p.code for _, p in result.problems] == ["certificate_expired"]
    broken = MeasurementStandard.objects.get(pk=demo.summary.highlights["broken_standard"])
    assert any("expired" in p for p in services.standard_problems(broken, DAY))


def test_an_external_link_ends_at_a_cmc(demo: Demo, db: Any) -> None:
    balance = instrument(demo, "external_chain")
    result = traceability.trace_up(balance, DAY)
    assert result.valid, result.problems
    [terminal] = result.terminals()
    assert terminal.startswith("external_nmi:") and "PTB" in terminal and "CMC" in terminal


def test_an_expired_reference_material_is_reported(demo: Demo, db: Any) -> None:
    spectrometer = instrument(demo, "expired_material")
    result = traceability.trace_up(spectrometer, DAY)
    assert [p.code for _, p in result.problems] == ["material_expired"]


def test_every_standard_but_the_broken_one_is_usable(demo: Demo, db: Any) -> None:
    broken = demo.summary.highlights["broken_standard"]
    for standard in MeasurementStandard.objects.all():
        problems = traceability.trace_up(standard, DAY).problems
        assert bool(problems) == (standard.pk == broken), (standard.code, problems)


def test_due_list_has_overdue_due_and_never(demo: Demo, db: Any) -> None:
    entries = services.due_list(Instrument.objects.all(), today=DAY)
    states = Counter(e.state for e in entries)
    assert states["overdue"] >= 10 and states["due"] >= 10 and states["never"] >= 10
    recall = rules.rule("recall", DAY)
    for entry in entries:
        if entry.state == "due":
            assert DAY <= entry.due <= DAY + dt.timedelta(days=recall["advance_days"])
        if entry.state == "overdue":
            assert entry.due < DAY


def test_one_examination_certificate_needs_reexamination(demo: Demo, db: Any) -> None:
    current = [
        cert
        for cert in ExaminationCertificate.objects.select_related("standard")
        if cert.is_valid_on(DAY)
    ]
    assert current
    reminding = [c for c in current if rules.reexamination_reminder(c.valid_until) <= DAY]
    assert [c.standard.code for c in reminding] == ["ZBJL-M-F1"]
    for cert in current:
        assert cert.valid_until == rules.examination_valid_until(cert.issued_on)


def test_signatories_are_registered_for_the_item(demo: Demo, db: Any) -> None:
    expired = Person.objects.filter(valid_until__lt=DAY)
    assert expired.count() == 1
    certs = Certificate.objects.filter(issuer__isnull=False).select_related(
        "verifier", "checker", "approver", "instrument__category", "instrument__quantity"
    )
    for cert in certs:
        item = cert.instrument
        for person, role in (
            (cert.verifier, "verifier"),
            (cert.checker, "checker"),
            (cert.approver, "approver"),
        ):
            assert person is not None and person.institution_id == cert.issuer_id
            assert role in person.roles
            assert person.valid_from <= cert.calibration_date <= person.valid_until
            scope = set(person.registration_scope)
            assert (item.quantity and item.quantity.code in scope) or (
                item.category and item.category.number in scope
            ), (cert.number, person.name)
        assert cert.verifier != cert.checker
    external = Certificate.objects.filter(issuer__isnull=True)
    assert external.exists()
    assert all(c.external_issuer and c.cmc_reference for c in external)


def test_stored_due_date_equals_the_derived_one(demo: Demo, db: Any) -> None:
    """The demo writes certificates in bulk; the cache must still equal rule 4's derivation."""
    for item in Instrument.objects.all():
        assert item.due_date == services.due_date(item), item
    assert services.refresh_due_dates(None) == 0


def test_bulk_ledger_bodies_equal_the_documented_body(demo: Demo, db: Any) -> None:
    """The ledger logs certificates from flat queries; each body must be the documented
    layout (docs/ledger.md), rebuilt here from the certificate's ORM objects."""
    from jiliang.ledger.records import certificate_items

    original = Certificate.objects.filter(issuer__isnull=False, standards_used__isnull=False)[0]
    amendment = Certificate.objects.create(
        number=f"{original.number}-A1",
        kind=original.kind,
        issuer=original.issuer,
        instrument=original.instrument,
        regulation=original.regulation,
        calibration_date=original.calibration_date,
        issued_on=original.issued_on + dt.timedelta(days=3),
        valid_until=original.valid_until,
        conclusion=original.conclusion,
        amends=original,
        amendment=Certificate.Amendment.AMENDS,
        external_document_sha256="ab" * 32,
    )
    amendment.use_standards(*original.standards_used.all())
    certificates = list(Certificate.objects.order_by("pk"))
    items = certificate_items([c.pk for c in certificates])
    assert [i.subject for i in items] == [c.number for c in certificates]
    variety = Counter()
    for cert, item in zip(certificates, items, strict=True):
        expected = _documented_body(cert)
        assert dict(item.record.body) == expected, cert.number
        assert item.owner_id == cert.instrument.owner_id and item.issuer_id == cert.issuer_id
        variety["external"] += cert.issuer_id is None
        variety["materials"] += bool(expected["materials_used"])
        variety["several standards"] += len(expected["standards_used"]) > 1
        variety["amends"] += expected["amends"] is not None
        variety["no signer"] += expected["verifier"] is None
    assert all(variety[k] for k in ("external", "materials", "amends", "no signer")), variety


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _documented_body(cert: Certificate) -> dict[str, Any]:
    """certificate.issued as docs/ledger.md lists it, read field by field from the ORM."""
    instrument = cert.instrument
    person = lambda p: p.registration_number if p is not None else None  # noqa: E731
    return {
        "number": cert.number,
        "kind": cert.kind,
        "issuer": cert.issuer.uscc if cert.issuer_id else None,
        "issuer_name": cert.issuer.name_zh if cert.issuer_id else cert.external_issuer,
        "cmc_reference": cert.cmc_reference,
        "instrument": {
            "serial_number": instrument.serial_number,
            "name": instrument.name,
            "owner": instrument.owner.uscc,
            "catalogue_item": instrument.category.number if instrument.category_id else None,
        },
        "regulation": cert.regulation,
        "calibration_date": _day(cert.calibration_date),
        "issued_on": _day(cert.issued_on),
        "valid_until": _day(cert.valid_until),
        "conclusion": cert.conclusion,
        "accuracy_class": cert.accuracy_class,
        "verifier": person(cert.verifier),
        "checker": person(cert.checker),
        "approver": person(cert.approver),
        "standards_used": sorted(s.code for s in cert.standards_used.all()),
        "materials_used": sorted(m.gbw_number for m in cert.materials_used.all()),
        "amends": cert.amends.number if cert.amends_id else None,
        "amendment": cert.amendment,
        "external_document_sha256": cert.external_document_sha256,
    }


def test_due_pages_are_the_due_list_in_page_order(demo: Demo, db: Any) -> None:
    """The due page counts and slices in SQL; it must show what the whole list says, in the
    page's order (overdue, then due, then never verified), wherever a page boundary falls."""
    from jiliang.accounts.models import User

    order = {"overdue": 0, "due": 1, "never": 2}
    for username in ("admin", "zibo_lab", "market"):
        instruments = Instrument.objects.visible_to(User.objects.get(username=username))
        whole = sorted(services.due_list(instruments, today=DAY), key=lambda e: order[e.state])
        pages = services.DuePages(instruments, today=DAY)
        assert len(pages) == len(whole)
        counted = {s: sum(e.state == s for e in whole) for s in order}
        assert {s: tally.value for s, tally in pages.counts.items()} == counted
        assert not any(tally.more for tally in pages.counts.values())
        assert list(pages[0 : len(pages)]) == whole
        for size in (7, 25):
            assert [e for k in range(0, len(pages), size) for e in pages[k : k + size]] == whole
        if username == "admin":  # the demo has every state to show
            assert all(pages.counts[s].value > 0 for s in order), pages.counts
            # counted only up to a cap (restricted users): each state shows its first rows
            capped = services.DuePages(instruments, today=DAY, cap=3)
            assert all(capped.counts[s] == Tally(3, more=counted[s] > 3) for s in order)
            by_state = {s: [e for e in whole if e.state == s][:3] for s in order}
            assert capped[0 : len(capped)] == [e for s in order for e in by_state[s]]
        if whole:
            assert pages[len(whole) - 1] == whole[-1] and pages[0] == whole[0]
