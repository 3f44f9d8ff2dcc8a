"""A real SMTP server (aiosmtpd on 127.0.0.1, a free port) and a world with something to say.

On TODAY = 2026-06-01 (tests/conftest.py), with the recall window of rules.yaml (30 days in
advance, no grace), the notices are counted by hand:

- market (淄博某农贸市场): SCALE-0002 due 2026-06-20 -> 1 due; SCALE-0003 (due 2026-04-30,
  trade) and SCALE-0004 (due 2026-05-14, other use) -> 2 overdue; its scale's job at the city
  lab, just received -> "received"; its certificate ZB-2025-0001 in the city lab's open recall
  -> 1 recall. 4 notices.
- taxi: its taximeter's certificate ran to 2026-04-30 -> 1 overdue.
- zibo_lab (city institute): its F1 weight, certified 2025-04-01 for one year (to 2026-03-31)
  -> 1 overdue.
- sd_lab (provincial institute): standard SD-E2-002, examination certificate valid until
  2026-10-31, reminder from 2026-04-30 (6 months before) -> 1 reexamination.
- reg_zibo (region 3703): overdue under mandatory verification: SCALE-0003 only (SCALE-0004 is
  not used for trade; the F1 weight is not used for trade) -> count 1.
- reg_bj (region 11): the taximeter (C06, trade) -> count 1.
Nine notices in all; everyone has an e-mail address, so nine e-mails.
"""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import TODAY, World, make_world

__all__ = ["TODAY"]


@dataclass
class Received:
    """What the SMTP server was given: envelope recipients and parsed messages."""

    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpt, m in self.messages if address in rcpt]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def mailer(port: int) -> dict[str, Any]:
    """settings.MAILERS for an SMTP server on 127.0.0.1 (pytest-django swaps in locmem)."""
    return {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
        }
    }


@pytest.fixture
def smtp(settings: Any) -> Iterator[Received]:
    """An SMTP server the app really talks to (not Django's locmem outbox)."""
    received = Received()
    controller = Controller(received, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.MAILERS = mailer(controller.port)
    settings.DEFAULT_FROM_EMAIL = "jiliang <noreply@jiliang.test>"
    settings.SITE_URL = "http://jiliang.test"
    try:
        yield received
    finally:
        controller.stop()


@dataclass
class NoticeWorld:
    world: World
    job: Any
    recall: Any
    standard: Any


def _certify(
    number: str, issuer: Any, instrument: Any, day: dt.date, until: dt.date, w: World
) -> Any:
    from jiliang.registry.models import Certificate

    return Certificate.objects.create(
        number=number,
        kind="verification",
        issuer=issuer,
        instrument=instrument,
        regulation="JJG 99-2022",
        calibration_date=day,
        issued_on=day,
        valid_until=until,
        conclusion="pass",
        verifier=w.people["city"],
    )


def make_notice_world() -> NoticeWorld:
    from jiliang.calibration.models import Job, ProcedureRecord, Recall, RecallItem
    from jiliang.registry.models import ExaminationCertificate, Instrument, MeasurementStandard

    w = make_world()
    for name, user in w.users.items():
        user.email = f"{name}@example.test"
        user.save(update_fields=["email"])
    scales = w.scale.category

    def scale(serial: str, use_area: str) -> Any:
        return Instrument.objects.create(
            owner=w.market,
            name="电子计价秤 Retail scale",
            category=scales,
            quantity=w.scale.quantity,
            use_area=use_area,
            division_code="370303",
            serial_number=serial,
            range_min=0.04,
            range_max=15,
            unit="kg",
        )

    _certify(
        "ZB-2025-0102",
        w.city,
        scale("SCALE-0002", "trade"),
        dt.date(2025, 6, 21),
        dt.date(2026, 6, 20),
        w,
    )
    _certify(
        "ZB-2025-0103",
        w.city,
        scale("SCALE-0003", "trade"),
        dt.date(2025, 5, 1),
        dt.date(2026, 4, 30),
        w,
    )
    _certify(
        "ZB-2025-0104",
        w.city,
        scale("SCALE-0004", "other"),
        dt.date(2025, 5, 15),
        dt.date(2026, 5, 14),
        w,
    )
    _certify("BJ-2025-0001", w.nim, w.taxi_meter, dt.date(2025, 5, 1), dt.date(2026, 4, 30), w)
    standard = MeasurementStandard.objects.create(
        institution=w.province,
        name="E2 weights, second set",
        kind="working",
        code="SD-E2-002",
        quantity=w.e2.quantity,
        range_min=0.000001,
        range_max=20,
        unit="kg",
        expanded_uncertainty=0.0000016,
    )
    ExaminationCertificate.objects.create(
        standard=standard,
        number="EX-SD-E2-002",
        issued_on=dt.date(2022, 11, 1),
        valid_until=dt.date(2026, 10, 31),
    )
    procedure = ProcedureRecord.objects.create(
        code="JJG 539-2016",
        kind="verification",
        title_zh="数字指示秤",
        quantity="mass",
        source_text="",
        sha256="0" * 64,
        origin="test",
    )
    job = Job.objects.create(
        lab=w.city,
        instrument=w.scale,
        receipt_number="ZB-R-0001",
        received_on=dt.date(2026, 5, 28),
        procedure=procedure,
        accuracy_class="III",
    )
    recall = Recall.objects.create(
        lab=w.city, standard=w.f1, nonconforming_since=dt.date(2026, 5, 1)
    )
    RecallItem.objects.create(recall=recall, certificate=w.cert_scale, customer=w.market)
    return NoticeWorld(w, job, recall, standard)


@pytest.fixture
def nw(db: Any) -> NoticeWorld:
    return make_notice_world()
