"""The deterministic demo dataset: a slice of China's measurement system around Zibo.

Why it exists: every page, API endpoint and CLI command needs something true to show — a chain
from a national primary standard down to a market scale, standards that expire, instruments
that are overdue, one deliberately broken link. Everything comes from the data files under
jiliang/data/demo/ and one seeded generator, and every date is an offset from `today`, so two
builds on the same day are identical and the demo never goes stale.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import random
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, NamedTuple

import yaml
from django.contrib.auth.hashers import make_password
from django.db import transaction

from jiliang.accounts.models import User
from jiliang.codes import uscc_check_character
from jiliang.registry import rules
from jiliang.registry.models import (
    Authorisation,
    CatalogueItem,
    Certificate,
    ExaminationCertificate,
    Institution,
    Instrument,
    MeasurementStandard,
    Person,
    Quantity,
    ReferenceMaterial,
)

DEMO_PASSWORD = "demo12345"  # noqa: S105 — the published demo password, demo data only
SEED = 2026


class DemoLogin(NamedTuple):
    """One demo login, printed by `jiliang demo` (the password is DEMO_PASSWORD for all)."""

    username: str
    role: str
    institution: str


@dataclass(frozen=True)
class DemoSummary:
    """What the demo holds: logins, counts and the ids of the objects worth opening first."""

    today: dt.date
    created: bool
    logins: tuple[DemoLogin, ...]
    counts: dict[str, int]
    highlights: dict[str, int] = field(default_factory=dict)
    password: str = DEMO_PASSWORD


@functools.cache
def _spec(name: str) -> Any:
    text = resources.files("jiliang.data.demo").joinpath(name).read_text("utf-8")
    return yaml.safe_load(text)


def _org_code(rng: random.Random) -> str:
    """A 9-character organisation code with its GB 11714-1997 check character."""
    body = "".join(rng.choice("0123456789") for _ in range(8))
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    check = 11 - sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def make_uscc(rng: random.Random, authority: str, org_type: str, division: str) -> str:
    """An invented unified social credit code with a correct GB 32100-2015 check character."""
    first17 = authority + org_type + division + _org_code(rng)
    return first17 + uscc_check_character(first17)


def _days(today: dt.date, offset: int) -> dt.date:
    return today + dt.timedelta(days=offset)


def _valid_until(day: dt.date, months: int) -> dt.date:
    return rules.add_months(day, months) - dt.timedelta(days=1)


@dataclass
class _Plan:
    """A certificate before numbering: numbers follow issuer, year and date order."""

    order: int
    kind: str
    issuer: str | None
    instrument: Instrument
    regulation: str
    calibration_date: dt.date
    issued_on: dt.date
    valid_until: dt.date | None
    conclusion: str
    accuracy_class: str
    standards: tuple[str, ...] = ()
    materials: tuple[str, ...] = ()
    external_issuer: str = ""
    cmc_reference: str = ""
    number: str = ""


_LETTER = {"verification": "J", "notice": "T", "calibration": "X"}


class _Builder:
    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.rng = random.Random(SEED)  # noqa: S311 — reproducible demo data, not secrets
        self.orgs = _spec("institutions.yaml")
        self.names = _spec("names.yaml")
        self.population = _spec("instruments.yaml")
        self.institutions: dict[str, Institution] = {}
        self.prefix: dict[str, str] = {}
        self.people: dict[str, list[Person]] = {}
        self.standards: dict[str, MeasurementStandard] = {}
        self.standard_spec: dict[str, dict[str, Any]] = {}
        self.materials: dict[str, ReferenceMaterial] = {}
        self.quantities = {q.code: q for q in Quantity.objects.all()}
        self.catalogue = {c.number: c for c in CatalogueItem.objects.all()}
        self.plans: list[_Plan] = []
        self.highlights: dict[str, Instrument] = {}

    def d(self, offset: int) -> dt.date:
        return _days(self.today, offset)

    # --- organisations and people ------------------------------------------------------------

    def institutions_(self) -> None:
        for row in self.orgs["institutions"]:
            authority, org_type = row["uscc"]
            inst = Institution(
                name_zh=row["name_zh"],
                name_en=row["name_en"],
                kind=row["kind"],
                centre_state=row.get("centre_state", ""),
                division_code=row["division_code"],
                uscc=make_uscc(self.rng, authority, org_type, row["division_code"]),
                address=row.get("address", ""),
            )
            inst.full_clean()
            inst.save()
            self.institutions[row["key"]] = inst
            self.prefix[row["key"]] = row.get("prefix", "")
        Authorisation.objects.bulk_create(
            Authorisation(
                institution=self.institutions[row["institution"]],
                form=row["form"],
                certificate_number=row["number"],
                scope=row["scope"],
                valid_from=self.d(row["valid_from"]),
                valid_until=self.d(row["valid_until"]),
            )
            for row in self.orgs["authorisations"]
        )

    def people_(self) -> None:
        surnames, given = self.names["surnames"], self.names["given"]
        used: set[str] = set()
        rows: list[Person] = []
        for key, spec in self.orgs["people"].items():
            abbr = next(r["abbr"] for r in self.orgs["institutions"] if r["key"] == key)
            for index in range(spec["count"]):
                while True:
                    (s_zh, s_en), (g_zh, g_en) = self.rng.choice(surnames), self.rng.choice(given)
                    if s_zh + g_zh not in used:
                        used.add(s_zh + g_zh)
                        break
                level = 1 if index < 2 else 2
                roles = (
                    ["verifier", "checker", "approver"]
                    if index == 0
                    else ["checker", "approver"]
                    if index == 1
                    else ["verifier", "checker"]
                )
                valid_until = self.d(self.rng.randint(400, 1500))
                if index >= spec["count"] - spec.get("expired", 0):
                    valid_until, roles = self.d(-100), ["verifier"]
                rows.append(
                    Person(
                        institution=self.institutions[key],
                        name=f"{s_zh}{g_zh} ({s_en} {g_en})",
                        registration_number=(
                            f"{abbr}{level}{2015 + self.rng.randint(0, 6)}{len(rows) + 1:04d}"
                        ),
                        level=level,
                        registration_scope=list(spec["scope"]),
                        valid_from=self.d(-3400 - self.rng.randint(0, 300)),
                        valid_until=valid_until,
                        roles=roles,
                    )
                )
        for person in Person.objects.bulk_create(rows):
            self.people.setdefault(self._key_of(person.institution), []).append(person)

    def _key_of(self, institution: Institution) -> str:
        return next(k for k, v in self.institutions.items() if v.pk == institution.pk)

    def signers(self, issuer: str, day: dt.date) -> tuple[Person, Person, Person]:
        """Verifier, checker, approver: registered, valid on the day, distinct where possible."""
        valid = [p for p in self.people[issuer] if p.valid_from <= day <= p.valid_until]
        verifier = self.rng.choice([p for p in valid if "verifier" in p.roles])
        checker = self.rng.choice([p for p in valid if "checker" in p.roles and p != verifier])
        approver = self.rng.choice([p for p in valid if "approver" in p.roles and p != checker])
        return verifier, checker, approver

    # --- standards, equipment, materials -----------------------------------------------------

    def standards_(self) -> None:
        for row in self.orgs["standards"]:
            owner = self.institutions[row["institution"]]
            standard = MeasurementStandard(
                institution=owner,
                name=row["name"],
                kind=row["kind"],
                code=row["code"],
                quantity=self.quantities[row["quantity"]],
                range_min=row["range"][0],
                range_max=row["range"][1],
                unit=row["unit"],
                expanded_uncertainty=row["u"],
                uncertainty_is_relative=row["relative"],
                accuracy_class=str(row.get("accuracy_class", "")),
            )
            standard.full_clean()
            standard.save()
            self.standards[row["key"]] = standard
            self.standard_spec[row["key"]] = row
        exams: list[ExaminationCertificate] = []
        for key, row in self.standard_spec.items():
            if row["kind"] == MeasurementStandard.Kind.NATIONAL_PRIMARY:
                continue
            abbr = next(
                r["abbr"] for r in self.orgs["institutions"] if r["key"] == row["institution"]
            )
            word = "企量标" if row["kind"] in ("enterprise_highest", "working") else "社量标"
            # The current certificate expires `exam` days from today; earlier ones chain back.
            issued = rules.add_years(self.d(row["exam"]), -4) + dt.timedelta(days=1)
            while True:
                until = rules.examination_valid_until(issued)
                exams.append(
                    ExaminationCertificate(
                        standard=self.standards[key],
                        number=f"[{issued.year}]{abbr}{word}证字第{len(exams) + 101:03d}号",
                        issued_on=issued,
                        valid_until=until,
                    )
                )
                if issued <= self.d(-3300):
                    break
                issued = rules.add_years(issued, -4)
        ExaminationCertificate.objects.bulk_create(exams)

    def level(self, key: str) -> int:
        row = self.standard_spec[key]
        if row["kind"] == MeasurementStandard.Kind.NATIONAL_PRIMARY:
            return 0
        using = [u for item in row["equipment"] for u in item.get("using", [])]
        return 1 + max((self.level(u) for u in using), default=0)

    def equipment_(self) -> None:
        items = []
        for key, row in self.standard_spec.items():
            owner = self.institutions[row["institution"]]
            for item in row.get("equipment", []):
                rng_ = item.get("range", [None, None])
                items.append(
                    Instrument(
                        owner=owner,
                        name=item["name"],
                        category=self.catalogue.get("C02") if row["quantity"] == "mass" else None,
                        quantity=self.quantities[item.get("quantity", row["quantity"])],
                        use_area="other",
                        location=f"{owner.name_zh} 标准实验室",
                        division_code=owner.division_code,
                        serial_number=item["serial"],
                        maker=item.get("maker", ""),
                        model=item.get("model", ""),
                        range_min=rng_[0],
                        range_max=rng_[1],
                        unit=item.get("unit", row["unit"]),
                        accuracy_class=str(item.get("accuracy_class", "")),
                        mpe=item.get("mpe"),
                        part_of_standard=self.standards[key],
                        interval_days=item.get("interval_days"),
                    )
                )
        created = Instrument.objects.bulk_create(items)
        by_serial = {i.serial_number: i for i in created}
        for key, row in self.standard_spec.items():
            start = self.d(-3000 + 400 * self.level(key))
            for item in row.get("equipment", []):
                self.equipment_series(row, item, by_serial[item["serial"]], start)

    def equipment_series(
        self, row: dict[str, Any], item: dict[str, Any], instrument: Instrument, start: dt.date
    ) -> None:
        """Certificates back from a recent anchor until before `start`, without gaps."""
        months = item.get("period_months")
        period = item["interval_days"] if months is None else round(months * 30.4)
        if "broken_equipment_expired" in row:
            # The broken link: the last certificate ran out N days ago.
            anchor = rules.add_months(
                self.d(-int(row["broken_equipment_expired"]) + 1), -int(item["period_months"])
            )
        else:
            anchor = self.d(-self.rng.randint(10, max(11, period - 60)))
        day = anchor
        dates = []
        while True:
            dates.append(day)
            if day < start:
                break
            day -= dt.timedelta(days=period - self.rng.randint(0, 10))
        external = item["calibrated_by"] == "external"
        for day in reversed(dates):
            self.plans.append(
                _Plan(
                    order=len(self.plans),
                    kind=item["kind"],
                    issuer=None if external else item["calibrated_by"],
                    instrument=instrument,
                    regulation=item["regulation"],
                    calibration_date=day,
                    issued_on=min(self.today, day + dt.timedelta(days=self.rng.randint(1, 7))),
                    valid_until=None if months is None else _valid_until(day, months),
                    conclusion="pass" if item["kind"] == "verification" else "calibrated",
                    accuracy_class=str(item.get("accuracy_class", "")),
                    standards=tuple(item.get("using", [])),
                    external_issuer=item.get("external_issuer", ""),
                    cmc_reference=item.get("cmc_reference", ""),
                )
            )

    def materials_(self) -> None:
        rows = []
        for row in self.orgs["materials"]:
            material = ReferenceMaterial(
                gbw_number=row["gbw"],
                name=row["name"],
                producer=self.institutions[row["producer"]],
                quantity=self.quantities[row["quantity"]],
                certified_value=row["value"],
                unit=row["unit"],
                expanded_uncertainty=row["u"],
                coverage_factor=2.0,
                expiry=self.d(row["expiry"]),
            )
            material.grade = 1 if material.gbw_number[3:4].isdigit() else 2
            material.full_clean()
            rows.append(material)
        for material in ReferenceMaterial.objects.bulk_create(rows):
            self.materials[material.gbw_number] = material

    # --- field instruments and their certificates --------------------------------------------

    def instruments_(self) -> None:
        places = self.names["places"]
        shares = self.population["shares"]
        history = int(self.population["history_days"])
        pending: list[tuple[dict[str, Any], Instrument, str]] = []
        for profile in self.population["profiles"]:
            owner_key = profile["owner"]
            owner = self.institutions[owner_key]
            for index in range(profile["count"]):
                maker, model = self.rng.choice(profile["makers"])
                low, high = self.rng.choice(profile.get("ranges", [[None, None]]))
                mpe = profile.get("mpe")
                if "mpe_fs" in profile and high is not None:
                    mpe = round(profile["mpe_fs"] * high, 9)
                year = self.today.year - self.rng.randint(1, 8)
                if owner_key == "taxi":
                    location = f"鲁C·T{self.rng.randint(1000, 9999)} 出租车"
                else:
                    location = f"{owner.name_zh} {self.rng.choice(places[owner_key])}"
                    if owner_key in ("market", "supermarket"):
                        location += f" {self.rng.randint(1, 80)}号"
                category = profile["category"]
                instrument = Instrument(
                    owner=owner,
                    name=profile["name"],
                    category=self.catalogue[category] if category else None,
                    quantity=self.quantities[profile["quantity"]],
                    use_area=profile["use_area"],
                    location=location,
                    division_code=owner.division_code,
                    serial_number=f"{model}-{year}{index + 1:05d}",
                    maker=maker,
                    model=model,
                    cpa_mark=(f"{year - 2}C{self.rng.randint(100, 999)}-37" if category else ""),
                    range_min=low,
                    range_max=high,
                    unit=profile["unit"],
                    accuracy_class=str(profile.get("accuracy_class", "")),
                    mpe=mpe,
                    interval_days=profile.get("interval_days"),
                )
                draw = self.rng.random()
                if index == 0:
                    state = "highlight"
                elif draw < shares["never"]:
                    state = "never"
                elif draw < shares["never"] + shares["overdue"]:
                    state = "overdue"
                elif draw < shares["never"] + shares["overdue"] + shares["retired"]:
                    state = "retired"
                else:
                    state = "current"
                if state == "retired":
                    instrument.status = Instrument.Status.OUT_OF_SERVICE
                pending.append((profile, instrument, state))
        created = Instrument.objects.bulk_create([i for _, i, _ in pending])
        for (profile, _, state), instrument in zip(pending, created, strict=True):
            if state == "highlight" and "highlight" in profile:
                self.highlights[profile["highlight"]] = instrument
            self.field_series(profile, instrument, state, history, shares["fail"])

    def field_series(
        self,
        profile: dict[str, Any],
        instrument: Instrument,
        state: str,
        history: int,
        fail_share: float,
    ) -> None:
        if state == "never":
            return
        months = profile.get("period_months")
        if "valid_years" in profile:
            day = self.d(-self.rng.randint(5, history))
            self.field_plan(profile, instrument, day, "pass")
            return
        period = profile["interval_days"] if months is None else round(months * 30.4)
        if state == "overdue":
            anchor = self.d(-period - self.rng.randint(10, 150))
        elif state == "highlight":
            anchor = self.d(-30)
        else:
            anchor = self.d(-self.rng.randint(0, period - 1))
        start = self.d(-history)
        dates = []
        day = anchor
        while day >= start:
            dates.append(day)
            day -= dt.timedelta(days=period - self.rng.randint(0, 15))
        for position, day in enumerate(reversed(dates)):
            last = position == len(dates) - 1
            if state == "retired" and last:
                self.field_plan(profile, instrument, day, "fail")
                continue
            if state not in ("highlight",) and self.rng.random() < fail_share:
                self.field_plan(
                    profile, instrument, day - dt.timedelta(days=self.rng.randint(5, 25)), "fail"
                )
            self.field_plan(profile, instrument, day, "pass")

    def field_plan(
        self, profile: dict[str, Any], instrument: Instrument, day: dt.date, outcome: str
    ) -> None:
        kind = profile["kind"]
        months = profile.get("period_months")
        valid_until = None
        if outcome == "fail" and kind == "verification":
            kind, conclusion = "notice", "fail"
        elif kind == "calibration":
            conclusion = "calibrated"
        else:
            conclusion = "pass"
            if "valid_years" in profile:
                valid_until = rules.add_years(day, int(profile["valid_years"])) - dt.timedelta(
                    days=1
                )
            elif months is not None:
                valid_until = _valid_until(day, months)
        materials = tuple(
            m
            for m in profile.get("materials", [])
            if self.materials[m].expiry >= day
            or (
                self.highlights.get("expired_material") == instrument
                and day >= self.materials[m].expiry
            )
        )
        self.plans.append(
            _Plan(
                order=len(self.plans),
                kind=kind,
                issuer=profile["issuer"],
                instrument=instrument,
                regulation=profile["regulation"],
                calibration_date=day,
                issued_on=min(self.today, day + dt.timedelta(days=self.rng.randint(0, 5))),
                valid_until=valid_until,
                conclusion=conclusion,
                accuracy_class=instrument.accuracy_class,
                standards=tuple(profile.get("standards", [])),
                materials=materials,
            )
        )

    # --- certificates ------------------------------------------------------------------------

    def certificates_(self) -> None:
        plans = sorted(self.plans, key=lambda p: (p.issuer or "", p.calibration_date, p.order))
        counters: dict[tuple[str, int, str], int] = {}
        for plan in plans:
            if plan.issuer is None:
                plan.number = f"PTB-{plan.calibration_date.year}-1.1-{self.rng.randint(1000, 9999)}"
                continue
            letter = _LETTER[plan.kind]
            key = (plan.issuer, plan.calibration_date.year, letter)
            counters[key] = counters.get(key, 0) + 1
            plan.number = (
                f"{self.prefix[plan.issuer]}-{letter}{plan.calibration_date.year}"
                f"-{counters[key]:05d}"
            )
        plans.sort(key=lambda p: (p.calibration_date, p.number))
        rows = []
        for plan in plans:
            signers: tuple[Person | None, ...] = (None, None, None)
            if plan.issuer is not None:
                signers = self.signers(plan.issuer, plan.calibration_date)
            rows.append(
                Certificate(
                    number=plan.number,
                    kind=plan.kind,
                    issuer=self.institutions[plan.issuer] if plan.issuer else None,
                    external_issuer=plan.external_issuer,
                    cmc_reference=plan.cmc_reference,
                    instrument=plan.instrument,
                    regulation=plan.regulation,
                    calibration_date=plan.calibration_date,
                    issued_on=plan.issued_on,
                    valid_until=plan.valid_until,
                    conclusion=plan.conclusion,
                    accuracy_class=plan.accuracy_class,
                    verifier=signers[0],
                    checker=signers[1],
                    approver=signers[2],
                )
            )
        created = Certificate.objects.bulk_create(rows, batch_size=500)
        standards_through = Certificate.standards_used.through
        materials_through = Certificate.materials_used.through
        links = []
        material_links = []
        for plan, cert in zip(plans, created, strict=True):
            for code in plan.standards:
                links.append(
                    standards_through(
                        certificate_id=cert.pk,
                        measurementstandard_id=self.standards[code].pk,
                        instrument_id=cert.instrument_id,
                    )
                )
            for number in plan.materials:
                material_links.append(
                    materials_through(
                        certificate_id=cert.pk, referencematerial_id=self.materials[number].pk
                    )
                )
        standards_through.objects.bulk_create(links, batch_size=1000)
        materials_through.objects.bulk_create(material_links, batch_size=1000)
        from jiliang.registry.customers import note_worked, relations_from_loaded_certificates
        from jiliang.registry.services import refresh_due_dates

        refresh_due_dates({cert.instrument_id for cert in created})
        note_worked((c.issuer_id, c.instrument_id) for c in created)
        # The demo's certificates stand for instruments the labs received: each (lab, owner)
        # pair is a relation a receipt created (issue 12), which the owner may end.
        relations_from_loaded_certificates()

    # --- logins ------------------------------------------------------------------------------

    def users_(self) -> None:
        hashed = make_password(DEMO_PASSWORD)  # hashed once: hashing is deliberately slow
        for row in self.orgs["users"]:
            key = row["institution"]
            user = User(
                username=row["username"],
                password=hashed,
                role=row["role"],
                institution=self.institutions[key] if key else None,
                display_name=row["display_name"],
                is_superuser=row["role"] == "admin",
                is_staff=row["role"] == "admin",
            )
            if "staff_roles" in row:
                user.staff_roles = list(row["staff_roles"])
            user.save()
            if row.get("person") is not None:
                person = self.people[key][int(row["person"])]
                person.user = user
                person.save(update_fields=["user"])

    def run(self) -> None:
        self.institutions_()
        self.people_()
        self.standards_()
        self.materials_()
        self.equipment_()
        self.instruments_()
        self.certificates_()
        self.users_()


def _nim_name() -> str:
    return str(_spec("institutions.yaml")["institutions"][0]["name_zh"])


def build_demo(today: dt.date | None = None) -> DemoSummary:
    """Build the demo dataset once; if it is already there, change nothing and summarise it.

    Expects migrated tables; loads the reference data (catalogue, quantities) if missing.
    """
    today = today or dt.date.today()
    if Institution.objects.filter(name_zh=_nim_name(), kind=Institution.Kind.NMI).exists():
        return summarise(today, created=False)
    with transaction.atomic():
        if not CatalogueItem.objects.exists():
            from jiliang.registry.services import load_reference_data

            load_reference_data()
        _Builder(today).run()
    return summarise(today, created=True)


def summarise(today: dt.date, *, created: bool = False) -> DemoSummary:
    """Counts, logins and highlighted objects of the demo in the database."""
    orgs = _spec("institutions.yaml")
    names = {r["key"]: r["name_zh"] for r in orgs["institutions"]}
    logins = tuple(
        DemoLogin(r["username"], r["role"], names.get(r["institution"], "—")) for r in orgs["users"]
    )
    counts = {
        "institutions": Institution.objects.count(),
        "people": Person.objects.count(),
        "standards": MeasurementStandard.objects.count(),
        "materials": ReferenceMaterial.objects.count(),
        "instruments": Instrument.objects.count(),
        "certificates": Certificate.objects.count(),
        "users": User.objects.count(),
    }
    highlights: dict[str, int] = {}
    for key, code in (
        ("top_standard", "GJJ(力)0101"),
        ("broken_standard", "ZBJL-M-M1-LZ"),
        ("external_standard", "LYZX-M-E2"),
        ("expiring_examination_standard", "ZBJL-M-F1"),
    ):
        standard = MeasurementStandard.objects.filter(code=code).first()
        if standard is not None:
            highlights[key] = standard.pk
    profiles = _spec("instruments.yaml")["profiles"]
    for profile in profiles:
        if "highlight" not in profile:
            continue
        first = (
            Instrument.objects.filter(owner__name_zh=names[profile["owner"]], name=profile["name"])
            .order_by("id")
            .first()
        )
        if first is not None:
            highlights[f"{profile['highlight']}_instrument"] = first.pk
    return DemoSummary(today, created, logins, counts, highlights)


def digest() -> str:
    """SHA-256 over the demo's certificates by natural keys: equal digests, equal demos."""
    sha = hashlib.sha256()
    for row in Certificate.objects.order_by("number").values_list(
        "number",
        "kind",
        "instrument__serial_number",
        "calibration_date",
        "valid_until",
        "conclusion",
        "verifier__registration_number",
    ):
        sha.update(repr(row).encode())
    for uscc in Institution.objects.order_by("uscc").values_list("uscc", flat=True):
        sha.update(uscc.encode())
    return sha.hexdigest()
