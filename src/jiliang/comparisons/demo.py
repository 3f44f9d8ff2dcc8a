"""Demo content for comparisons: one closed mass comparison (report, evidence) piloted by
NIM and one open proficiency test with a sealed submission. Uses the demo logins of
registry.demo (nim_lab, sd_lab, zibo_lab, alu_centre); call after build_demo()."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from jiliang.accounts.models import User
from jiliang.comparisons import services
from jiliang.comparisons.models import Campaign

CLOSED_CODE = "DEMO-M-2026-01"
OPEN_CODE = "DEMO-PT-2026-02"
# deviations of a 1 kg weight from nominal, in µg, with standard uncertainties and replicates
CLOSED_RESULTS = {
    "nim_lab": (12.0, 4.0, [11.0, 12.5, 12.5]),
    "sd_lab": (20.0, 9.0, [18.0, 21.0, 21.0]),
    "zibo_lab": (41.0, 15.0, [37.0, 45.0, 41.0]),
    "alu_centre": (5.0, 12.0, [2.0, 6.0, 7.0]),
}


def build_comparisons_demo(today: dt.date | None = None) -> dict[str, Any]:
    """Create the two demo campaigns once (idempotent); return what exists."""
    del today  # campaigns are placed relative to now(), as the sealing rule uses it
    users = {u.username: u for u in User.objects.filter(username__in=CLOSED_RESULTS)}
    if len(users) < len(CLOSED_RESULTS) or Campaign.objects.filter(code=CLOSED_CODE).exists():
        return _summary(created=False)
    pilot = users["nim_lab"]
    with transaction.atomic():
        closed = services.create_campaign(
            pilot,
            code=CLOSED_CODE,
            title="1 kg 砝码量值比对 1 kg mass comparison",
            measurand="deviation of a 1 kg stainless-steel weight from nominal",
            unit="µg",
            method="weighted-mean",
            quantity="mass",
            deadline=timezone.now() + dt.timedelta(days=1),
        )
        for name, (value, u, reps) in CLOSED_RESULTS.items():
            services.invite(pilot, closed, users[name].institution)
            services.respond(users[name], closed, True)
            services.submit(users[name], closed, value=value, u=u, replicates=reps)
        Campaign.objects.filter(pk=closed.pk).update(
            deadline=timezone.now() - dt.timedelta(minutes=1)
        )
        closed.refresh_from_db()
        services.close(pilot, closed)
        open_ = services.create_campaign(
            pilot,
            code=OPEN_CODE,
            title="压力表能力验证 Pressure gauge proficiency test",
            kind=Campaign.Kind.PROFICIENCY,
            measurand="indication error at 1 MPa",
            unit="kPa",
            method="algorithm-a",
            quantity="pressure",
            deadline=timezone.now() + dt.timedelta(days=30),
        )
        start = timezone.localdate()
        for k, name in enumerate(("sd_lab", "zibo_lab", "alu_centre")):
            services.invite(
                pilot,
                open_,
                users[name].institution,
                ship_date=start + dt.timedelta(days=7 * k),
                receive_date=start + dt.timedelta(days=7 * k + 1),
                measure_from=start + dt.timedelta(days=7 * k + 2),
                measure_until=start + dt.timedelta(days=7 * k + 5),
            )
        services.respond(users["sd_lab"], open_, True)
        services.submit(users["sd_lab"], open_, value=0.8, u=0.3)
    return _summary(created=True)


def _summary(*, created: bool) -> dict[str, Any]:
    return {
        "created": created,
        "campaigns": list(
            Campaign.objects.filter(code__in=[CLOSED_CODE, OPEN_CODE]).values_list("code", "status")
        ),
    }
