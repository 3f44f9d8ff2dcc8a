"""Bulk generation for benchmarks/registry_scale.py: rows straight into the registry tables.

Why raw: 10⁶ instruments and 2×10⁶ certificates through the ORM would measure Python, not
the database. SQLite gets `executemany` on the DB-API connection, PostgreSQL gets COPY. The
rows hang off the demo dataset (build_demo) so every certificate names a real standard and
trace up / trace down walk the same chain as the demo: kilogram → E1 → E2 → F1 → M1 → scales.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

# Bench populations: share of the instruments, catalogue item, use area, quantity, unit,
# range, MPE, the standards their certificates use (with weights), issuer key, validity.
PROFILES: list[dict[str, Any]] = [
    {
        "share": 0.45,
        "name": "电子计价秤 Price-computing scale",
        "category": "C01",
        "use_area": "trade",
        "quantity": "mass",
        "unit": "kg",
        "range": (0.2, 30.0),
        "mpe": 0.03,
        "standards": (("ZBJL-M-M1", 0.9), ("ZBJL-M-M1-LZ", 0.1)),
        "issuer": "淄博市计量技术研究院",
        "regulation": "JJG 539-2016",
        "months": 12,
    },
    {
        "share": 0.20,
        "name": "出租汽车计价器 Taximeter",
        "category": "C06",
        "use_area": "trade",
        "quantity": "distance-taximeter",
        "unit": "km",
        "range": (None, None),
        "mpe": None,
        "standards": (("ZBJL-L-TAXI", 1.0),),
        "issuer": "淄博市计量技术研究院",
        "regulation": "JJG 517-2016",
        "months": 12,
    },
    {
        "share": 0.20,
        "name": "一般压力表 Pressure gauge",
        "category": "C10",
        "use_area": "safety",
        "quantity": "pressure",
        "unit": "Pa",
        "range": (0.0, 1600000.0),
        "mpe": 25600.0,
        "standards": (("ZBJL-P-GAUGE", 0.6), ("LYZX-P-WORK", 0.4)),
        "issuer": "淄博市计量技术研究院",
        "regulation": "JJG 52-2013",
        "months": 12,
    },
    {
        "share": 0.15,
        "name": "单相电子式电能表 Electricity meter",
        "category": "C03",
        "use_area": "trade",
        "quantity": "electrical-energy",
        "unit": "kWh",
        "range": (None, None),
        "mpe": None,
        "standards": (("SDJL-E-EM", 1.0),),
        "issuer": "山东省计量科学研究院",
        "regulation": "JJG 596-2012",
        "months": 96,
    },
]

DIVISIONS = ("370302", "370303", "370305", "370100", "310101", "310104", "310115", "110105")
BATCH = 50_000


@dataclass
class Context:
    """Ids from the demo that the generated rows point at."""

    today: dt.date
    owners: list[tuple[int, str]]  # (id, division)
    big_owner: int
    categories: dict[str, int]
    quantities: dict[str, int]
    standards: dict[str, int]
    issuers: dict[str, int]
    signers: dict[int, tuple[int, int, int]]


def columns(model: Any) -> list[str]:
    return [f.column for f in model._meta.concrete_fields]


def insert(table: str, cols: Sequence[str], rows: Iterator[tuple[Any, ...]]) -> int:
    """Insert rows as fast as the backend allows; returns the number written."""
    with transaction.atomic():  # one transaction: SQLite would otherwise commit every row
        return _insert(table, cols, rows)


def _insert(table: str, cols: Sequence[str], rows: Iterator[tuple[Any, ...]]) -> int:
    count = 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg 3 cursor under Django's wrapper
            sql = f"COPY {table} ({', '.join(cols)}) FROM STDIN"
            with raw.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        return count
    connection.ensure_connection()
    raw = connection.connection
    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            raw.executemany(sql, batch)
            count += len(batch)
            batch.clear()
    if batch:
        raw.executemany(sql, batch)
        count += len(batch)
    return count


def next_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
        return int(cursor.fetchone()[0])


def reset_sequence(table: str) -> None:
    if connection.vendor != "postgresql":
        return  # SQLite's AUTOINCREMENT follows explicit ids by itself
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
        )


def make_owners(count: int, rng: random.Random) -> list[tuple[int, str]]:
    """`count` enterprises with valid USCCs (the instrument owners)."""
    from jiliang.registry.demo import make_uscc
    from jiliang.registry.models import Institution

    rows = []
    for index in range(count):
        division = rng.choice(DIVISIONS)
        rows.append(
            Institution(
                name_zh=f"基准测试企业{index:05d}",
                name_en=f"Bench enterprise {index:05d}",
                kind="enterprise",
                division_code=division,
                uscc=make_uscc(rng, "9", "1", division),
            )
        )
    created = Institution.objects.bulk_create(rows, batch_size=5000)
    return [(i.pk, i.division_code) for i in created]


def context(today: dt.date, owners: list[tuple[int, str]]) -> Context:
    from jiliang.registry.models import (
        CatalogueItem,
        Institution,
        MeasurementStandard,
        Person,
        Quantity,
    )

    issuers = {i.name_zh: i.pk for i in Institution.objects.filter(kind__startswith="legal")}
    signers = {}
    for issuer in issuers.values():
        people = list(
            Person.objects.filter(institution_id=issuer, valid_until__gte=today).order_by("id")
        )
        signers[issuer] = (people[0].pk, people[1].pk, people[0].pk)
    return Context(
        today=today,
        owners=owners,
        big_owner=owners[0][0],
        categories=dict(CatalogueItem.objects.values_list("number", "id")),
        quantities=dict(Quantity.objects.values_list("code", "id")),
        standards=dict(MeasurementStandard.objects.values_list("code", "id")),
        issuers=issuers,
        signers=signers,
    )


@dataclass
class Generated:
    instruments: int
    certificates: int
    links: int
    seconds: dict[str, float]


def generate(
    ctx: Context, n_instruments: int, n_certificates: int, big_owner_size: int, seed: int = 7
) -> Generated:
    """Write the instruments, their certificates and the certificate→standard links."""
    from jiliang.registry.models import Certificate, Instrument

    rng = random.Random(seed)
    inst_table = Instrument._meta.db_table
    cert_table = Certificate._meta.db_table
    link_model = Certificate.standards_used.through
    link_table = link_model._meta.db_table
    first_instrument = next_id(inst_table)
    first_certificate = next_id(cert_table)
    weights = [p["share"] for p in PROFILES]
    # Per instrument: profile index, owner id, division, last-calibration offset, overdue flag.
    plan: list[tuple[int, int, str]] = []
    others = ctx.owners[1:]
    for index in range(n_instruments):
        owner, division = ctx.owners[0] if index < big_owner_size else rng.choice(others)
        plan.append((rng.choices(range(len(PROFILES)), weights)[0], owner, division))

    inst_cols = columns(Instrument)

    def instrument_rows() -> Iterator[tuple[Any, ...]]:
        for index, (p, owner, division) in enumerate(plan):
            profile = PROFILES[p]
            low, high = profile["range"]
            values = {
                "due_date": None,  # filled by services.refresh_due_dates afterwards
                "id": first_instrument + index,
                "owner_id": owner,
                "name": profile["name"],
                "category_id": ctx.categories[profile["category"]],
                "quantity_id": ctx.quantities[profile["quantity"]],
                "use_area": profile["use_area"],
                "location": "",
                "division_code": division,
                "serial_number": f"BENCH{index:08d}",
                "maker": "基准测试",
                "model": "BENCH",
                "cpa_mark": "",
                "range_min": low,
                "range_max": high,
                "unit": profile["unit"],
                "accuracy_class": "",
                "mpe": profile["mpe"],
                "status": "in_service",
                "part_of_standard_id": None,
                "interval_days": None,
            }
            yield tuple(values[c] for c in inst_cols)

    seconds: dict[str, float] = {}
    start = time.perf_counter()
    written_instruments = insert(inst_table, inst_cols, instrument_rows())
    seconds["instruments"] = time.perf_counter() - start
    reset_sequence(inst_table)

    # Certificates: spread evenly, the newest within the last year (5 % overdue), older ones a
    # period apart, 3 % of them failed verifications (notices).
    per = [n_certificates // n_instruments] * n_instruments
    for index in rng.sample(range(n_instruments), n_certificates % n_instruments):
        per[index] += 1
    cert_cols = columns(Certificate)
    links: list[tuple[int, int, int]] = []

    def certificate_rows() -> Iterator[tuple[Any, ...]]:
        cert_id = first_certificate
        for index, (p, _, _) in enumerate(plan):
            profile = PROFILES[p]
            codes, shares = zip(*profile["standards"], strict=True)
            standard = ctx.standards[rng.choices(codes, shares)[0]]
            issuer = ctx.issuers[profile["issuer"]]
            verifier, checker, approver = ctx.signers[issuer]
            days = 365 * profile["months"] // 12
            if rng.random() < 0.05:
                last = ctx.today - dt.timedelta(days=days + rng.randint(10, 150))
            else:
                last = ctx.today - dt.timedelta(days=rng.randint(0, 364))
            for k in range(per[index]):
                day = last - dt.timedelta(days=365 * k)
                failed = rng.random() < 0.03
                values = {
                    "id": cert_id,
                    "number": f"BENCH-{cert_id:09d}",
                    "kind": "notice" if failed else "verification",
                    "issuer_id": issuer,
                    "external_issuer": "",
                    "cmc_reference": "",
                    "instrument_id": first_instrument + index,
                    "regulation": profile["regulation"],
                    "calibration_date": day.isoformat(),
                    "issued_on": day.isoformat(),
                    "valid_until": None
                    if failed
                    else (day + dt.timedelta(days=days - 1)).isoformat(),
                    "conclusion": "fail" if failed else "pass",
                    "accuracy_class": "",
                    "verifier_id": verifier,
                    "checker_id": checker,
                    "approver_id": approver,
                    "amends_id": None,
                    "amendment": "",
                    "external_document_sha256": "",
                }
                links.append((cert_id, standard, first_instrument + index))
                cert_id += 1
                yield tuple(values[c] for c in cert_cols)

    start = time.perf_counter()
    written_certificates = insert(cert_table, cert_cols, certificate_rows())
    seconds["certificates"] = time.perf_counter() - start
    reset_sequence(cert_table)
    start = time.perf_counter()
    written_links = insert(
        link_table, ["certificate_id", "measurementstandard_id", "instrument_id"], iter(links)
    )
    seconds["links"] = time.perf_counter() - start
    return Generated(written_instruments, written_certificates, written_links, seconds)
