"""Benchmark of verification work: results per job (uncertainty engine + conformity), PDF
rendering (weasyprint), DCC export with XSD validation, signing and verification.

Usage: .venv/bin/python benchmarks/calibration_issue.py [--jobs N]
Builds the shared test world in a temporary SQLite database (never the checkout's var/).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _setup(workdir: Path) -> None:
    os.environ["JILIANG_DATA_DIR"] = str(workdir)
    os.environ["JILIANG_SQLITE_PATH"] = str(workdir / "bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiliang.settings")
    os.environ.pop("JILIANG_DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _timed(fn: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="jl-cal-bench-") as tmp:
        _setup(Path(tmp))
        from django.conf import settings

        settings.DATA_DIR = Path(tmp)
        from tests.calibration.conftest import WORK_DAY, make_job, make_lab, scale_rows
        from tests.conftest import make_world

        from jiliang import dcc
        from jiliang.calibration import documents, keys, services

        lab = make_lab(make_world())
        record, pdf, xml, sign, verify, issue = [], [], [], [], [], []
        for n in range(args.jobs):
            job = make_job(lab, receipt=f"B-{n}")
            services.set_standards(job, lab.recorder, [lab.world.f1.pk])
            services.set_conditions(
                job, lab.recorder, work_date=WORK_DAY, place="lab", environment={"temperature": 20}
            )
            t, _ = _timed(
                lambda job=job: services.record_observations(
                    job, lab.recorder, scale_rows([0, 1, 2, 3, 4])
                )
            )
            record.append(t)
            services.sign(job, lab.recorder)
            services.sign(job, lab.checker)
            t, _ = _timed(lambda job=job: services.sign(job, lab.approver))
            issue.append(t)
            job.refresh_from_db()
            t, data = _timed(lambda job=job: documents.render_pdf(job, job.certificate))
            pdf.append(t)
            t, _xml = _timed(lambda job=job: documents.render_dcc(job, job.certificate))
            xml.append(t)
            key = keys.private_key(job.lab_id)
            t, bundle = _timed(
                lambda data=data, key=key: dcc.sign_file_bytes(
                    data, key, "bench", __import__("datetime").datetime.now().astimezone()
                )
            )
            sign.append(t)
            public = {bundle.key_id: key.public_key()}
            t, result = _timed(
                lambda data=data, bundle=bundle, public=public: dcc.verify_file_bytes(
                    data, bundle, public
                )
            )
            assert result.ok
            verify.append(t)
        print(f"jobs: {args.jobs} (JJG 539 class III scale, 5 test points each)")
        for name, values in (
            ("record + compute 5 points (GUM + decision + PFA)", record),
            ("approve = issue (number, PDF, DCC, 2 signatures, 1 transaction)", issue),
            ("render PDF (weasyprint, 2 pages)", pdf),
            ("render DCC + XSD validation", xml),
            ("Ed25519 sign one file", sign),
            ("Ed25519 verify one file", verify),
        ):
            tail = values[1:] or values  # the first call pays imports and caches
            print(
                f"{name:<68} median {statistics.median(tail) * 1000:8.1f} ms"
                f"   first {values[0] * 1000:8.1f} ms"
            )


if __name__ == "__main__":
    main()
