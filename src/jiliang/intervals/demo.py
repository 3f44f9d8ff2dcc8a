"""Demo content for interval reviews: four balances of the city institute whose history is
the 2019 NCSL RP-1 tutorial's 20 as-found results at 365 days, and the review it gives
(Method A3: 231 days, awaiting acceptance). Call after registry.demo.build_demo()."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from jiliang.accounts.models import User
from jiliang.intervals import services
from jiliang.intervals.models import IntervalReview
from jiliang.registry.models import Certificate, Instrument

MAKER, MODEL, REGULATION = "某天平厂", "FA-2004N", "JJG 1036-2022"
RESULTS = [1, 1, 0, 1, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 0]


def build_intervals_demo(
    today: dt.date | None = None, username: str = "zibo_lab"
) -> dict[str, Any]:
    """Create the demo group and its review once (idempotent); return what exists."""
    user = User.objects.filter(username=username).select_related("institution").first()
    if user is None or user.institution is None:
        return {"created": False, "reviews": 0}
    owner = user.institution
    if IntervalReview.objects.filter(owner=owner, model=MODEL).exists():
        return {"created": False, "reviews": IntervalReview.objects.filter(owner=owner).count()}
    end = today or dt.date.today()
    start = end - dt.timedelta(days=365 * 5 + 30)
    with transaction.atomic():
        for i in range(4):
            inst = Instrument.objects.create(
                owner=owner,
                name="电子天平 Electronic balance",
                division_code=owner.division_code,
                serial_number=f"DEMO-BAL-{i:02d}",
                maker=MAKER,
                model=MODEL,
                interval_days=365,
            )
            day = start
            for j in range(6):
                ok = j == 0 or RESULTS[i * 5 + j - 1] == 1
                Certificate.objects.create(
                    number=f"DEMO-BAL-{i:02d}-{j}",
                    kind="verification",
                    issuer=owner,
                    instrument=inst,
                    regulation=REGULATION,
                    calibration_date=day,
                    issued_on=day,
                    conclusion="pass" if ok else "fail",
                )
                day += dt.timedelta(days=365)
        services.create_review(user, owner, maker=MAKER, model=MODEL, regulation=REGULATION)
    return {"created": True, "reviews": IntervalReview.objects.filter(owner=owner).count()}
