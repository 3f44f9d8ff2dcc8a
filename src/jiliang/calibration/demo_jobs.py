"""Demo jobs of the city laboratory (淄博) on the market's 15 kg scales (issue 13 §3):
two issued with their signed PDF and DCC (the first already returned to the market), one
recorded and ready for the three signatures, one just received. Signed by the demo logins zibo_recorder, zibo_checker, zibo_lab.

Why real jobs rather than rows: every document is produced by the workflow itself, so the
commands in the README and docs (`jiliang certificate export … --format dcc`) and the
owner's pages have something true to show on a fresh demo.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

# Errors (g) at the five JJG 539 test points of each job, and how far it goes.
PLAN: tuple[tuple[str, list[float], str], ...] = (
    ("0001", [0, 0, 5, 0, 0], "returned"),  # issued, then handed back to the market
    ("0002", [0, 5, 0, -5, 0], "issued"),
    ("0003", [0, 0, 0, 5, 0], "recorded"),  # observations in: the recorder signs first
    ("0004", [], "received"),
)
LOADS = [100, 2500, 10000, 7500, 15000]  # Min = 20 e, 500 e, 2000 e, 1/2 Max, Max (g)
SIGNERS = ("zibo_recorder", "zibo_checker", "zibo_lab")


def _rows(errors: list[float]) -> list[dict[str, object]]:
    """Indications = load + error; change point e/2 = 2.5 g; an F1 weight's MPE 0.05 g."""
    return [
        {"point": str(i + 1), "state": "as_found", "I": load + err, "dL": 2.5, "mpe_ref": 0.05}
        for i, (load, err) in enumerate(zip(LOADS, errors, strict=True))
    ]


def build_demo_jobs(today: dt.date) -> dict[str, int]:
    """Idempotent: nothing is done when the city lab already has a job."""
    from django.utils import timezone

    from jiliang.accounts.models import User
    from jiliang.calibration import services
    from jiliang.calibration.models import Job, ProcedureRecord
    from jiliang.dcc import default_schema_dir
    from jiliang.registry.models import Instrument

    users = {u.username: u for u in User.objects.filter(username__in=SIGNERS)}
    if len(users) < len(SIGNERS):
        return {}  # no registry demo (its logins): nothing to receive
    recorder = users["zibo_recorder"]
    lab = recorder.institution
    if Job.objects.filter(lab=lab).exists():
        return {"jobs": Job.objects.filter(lab=lab).count()}
    procedure = ProcedureRecord.objects.get(code="JJG 539-2016", institution=None)
    scales = list(
        Instrument.objects.visible_to(recorder)
        .filter(
            owner__users__username="market",
            category__number="C01",
            range_max=15,
            unit="kg",
            accuracy_class="III",
        )
        .distinct()
        .order_by("id")[: len(PLAN)]
    )
    # Issuing validates the DCC against the PTB schema, which lives outside the package
    # (../shared or JILIANG_DCC_SCHEMA_DIR). Without it the demo still serves: the jobs to
    # be issued wait for their signatures instead, and the summary says why.
    schema = default_schema_dir() / "dcc.xsd"
    can_issue = schema.is_file()
    issued = 0
    for (seq, errors, goal), scale in zip(PLAN, scales, strict=False):
        received = today - dt.timedelta(days=14 - int(seq))
        job = services.create_job(
            recorder,
            instrument=scale,
            receipt_number=f"ZB-R-{today.year}-{seq}",
            received_on=received,
            procedure=procedure,
            accuracy_class="III",
            parameters={"Max": "15000", "e": "5"},
            condition="外观完好，封印完整 good condition, seals intact",
        )
        if goal == "received":
            continue
        _work(services, job, recorder, received, errors)
        if goal in ("issued", "returned") and can_issue:
            for username in SIGNERS:
                services.sign(job, users[username])
            issued += 1
            back = min(today, timezone.localdate())  # a return is never in the future
            if goal == "returned" and back >= received:
                services.return_job(
                    job,
                    recorder,
                    returned_on=back,
                    returned_to="市场计量员 market's metrologist",
                    method="handed_over",
                )
    counts: dict[str, int] = {"jobs": len(scales[: len(PLAN)]), "issued": issued}
    if not can_issue:
        print(
            f"note: no DCC schema at {schema}: demo jobs left unsigned (set JILIANG_DCC_SCHEMA_DIR)"
        )
    return counts


def _work(services: Any, job: Any, user: Any, day: dt.date, errors: list[float]) -> None:
    usable = [c.standard.pk for c in services.candidate_standards(job, day) if c.usable]
    services.set_standards(job, user, usable[:1])
    services.set_conditions(
        job, user, work_date=day, place="淄博市计量院质量实验室", environment={"temperature": 20.5}
    )
    services.record_observations(job, user, _rows(errors))
