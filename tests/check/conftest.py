"""Fixtures of the certificate-check tests: the city lab of tests/calibration issues the scale's
certificate (three signatures, the on-commit ledger append run), and the rate limit's cache is
emptied before each test."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.calibration.conftest import _data_dir, lab, ready_job  # noqa: F401


@pytest.fixture(autouse=True)
def _fresh_limits(settings: Any, monkeypatch: Any) -> None:
    """Empty rate-limit counters; the calendar at the shared world's day (2026-06-01), inside
    the scale certificate's validity (2025-12-01 to 2026-11-30), so 'valid' is the truth."""
    from django.core.cache import cache
    from django.utils import timezone

    from tests.conftest import TODAY

    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)

    cache.clear()
    settings.JILIANG_CHECK_RATE = (1000, 600)
    settings.SITE_URL = "https://jiliang.example.cn"


def issue(lab: Any, django_capture_on_commit_callbacks: Any, **options: Any) -> Any:  # noqa: F811
    """Drive a job to issue (recorder, checker, approver) and run the on-commit log append."""
    from jiliang.calibration import services
    from jiliang.calibration.models import IssuedDocument

    if not IssuedDocument.objects.filter(certificate=lab.world.cert_f1).exists():
        own = b"%PDF-1.7 certificate SD-2025-0001 of the F1 weights"
        IssuedDocument.objects.create(
            certificate=lab.world.cert_f1,
            format="pdf",
            content=own,
            sha256=hashlib.sha256(own).hexdigest(),
            signature="{}",
        )
    with django_capture_on_commit_callbacks(execute=True):
        job = ready_job(lab, **options)
        services.sign(job, lab.recorder)
        services.sign(job, lab.checker)
        services.sign(job, lab.approver)
    job.refresh_from_db()
    return job.certificate


@pytest.fixture
def issued(lab: Any, django_capture_on_commit_callbacks: Any) -> Any:  # noqa: F811
    return issue(lab, django_capture_on_commit_callbacks)


def pdf_urls(data: bytes, tmp_path: Path) -> list[str]:
    """The URLs a PDF links to, as poppler's pdfinfo lists them (not the code under test)."""
    path = tmp_path / "cert.pdf"
    path.write_bytes(data)
    out = subprocess.run(
        ["pdfinfo", "-url", str(path)], capture_output=True, text=True, check=True
    ).stdout
    return [line.split()[-1] for line in out.splitlines()[1:] if line.strip()]
