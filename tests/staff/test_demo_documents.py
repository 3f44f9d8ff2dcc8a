"""Issue 13 §2–3 on a fresh demo: three signers per laboratory among the printed logins, and
issued jobs whose documents make every `jiliang certificate export` command of the README
and docs true (run here, in-process, against the demo database)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from typer.testing import CliRunner

from jiliang.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


@pytest.fixture(scope="module")
def demo(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any
) -> Iterator[dict[str, Any]]:
    """The registry demo and the calibration demo, built once, thrown away after the module."""
    from jiliang.calibration.demo import build_calibration_demo
    from jiliang.registry.demo import build_demo

    data = tmp_path_factory.mktemp("data")
    fast = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"], DATA_DIR=data
    )
    with django_db_blocker.unblock(), fast, transaction.atomic():
        summary = build_demo(timezone.localdate())
        counts = build_calibration_demo(summary)
        yield {"summary": summary, "counts": counts, "data": data}
        transaction.set_rollback(True)


def test_three_signers_per_laboratory(demo: dict[str, Any], db: Any) -> None:
    from jiliang.accounts.models import User
    from jiliang.registry.models import Person

    printed = {login.username for login in demo["summary"].logins}
    for manager in ("nim_lab", "sd_lab", "zibo_lab", "alu_centre"):
        lab = User.objects.get(username=manager).institution
        signers: dict[str, set[int]] = {"recorder": set(), "checker": set(), "approver": set()}
        for user in User.objects.filter(institution=lab, username__in=printed):
            person = Person.objects.filter(user=user).first()
            for role in user.staff_roles:
                if person is not None and role in signers:
                    signers[role].add(person.pk)
        assert all(signers.values()), (manager, signers)
        persons = set().union(*signers.values())
        assert len(persons) >= 3, manager  # three different persons can sign one job
        assert "manager" in User.objects.get(username=manager).staff_roles


def test_demo_jobs_cover_every_owner_status(demo: dict[str, Any], db: Any) -> None:
    from jiliang.accounts.models import User
    from jiliang.calibration import portal

    assert demo["counts"]["issued"] == 2
    jobs = portal.owner_jobs(User.objects.get(username="market"))
    assert sorted(j.status for j in jobs) == ["in_work", "issued", "received", "returned"]
    for job in jobs:
        if job.status in ("issued", "returned"):
            assert job.certificate is not None


def _commands() -> list[str]:
    """Every `jiliang certificate export` line of the README and docs."""
    found = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for line in path.read_text(encoding="utf-8").splitlines():
            # a command line (not an inline list such as `export | import | verify`)
            match = re.match(r"\s*`?(jiliang certificate export [^|\s][^`#]*)", line)
            if match:
                found.append(match.group(1).strip())
    return found


def test_every_documented_export_command_works(
    demo: dict[str, Any], db: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jiliang.calibration import keys
    from jiliang.registry.models import Certificate

    monkeypatch.chdir(tmp_path)
    year = timezone.localdate().year
    first = f"370300-{year}-000001"  # the demo's first certificate of the city lab
    issuer = Certificate.objects.get(number=first).issuer_id
    Path(f"institution-{issuer}.pem").write_bytes(keys.public_key_pem(issuer))
    commands = _commands()
    assert len(commands) >= 3, commands
    ran = 0
    for command in commands:
        words = command.split()[1:]  # drop "jiliang"
        if "NUMBER" in words:  # the README's synopsis: run it with each format and the demo
            for fmt in ("pdf", "dcc"):
                args = [first if w == "NUMBER" else w for w in words]
                args[args.index("pdf|dcc")] = fmt
                args[args.index("FILE")] = f"c.{fmt}"
                ran += _run([*args, "--user", "market"])
            continue
        words = [re.sub(r"370300-(\d{4}|<year>)-", f"370300-{year}-", w) for w in words]
        ran += _run(words)
        output = Path(words[words.index("--output") + 1])
        assert output.is_file() and Path(f"{output}.sig").is_file()
    assert ran >= 3
    verify = runner.invoke(
        app, ["certificate", "verify", "c.pdf", "--public-key", f"institution-{issuer}.pem"]
    )
    assert verify.exit_code == 0, verify.output
    assert "OK c.pdf" in verify.output
    dcc = runner.invoke(
        app, ["certificate", "verify", "c.dcc", "--public-key", f"institution-{issuer}.pem"]
    )
    assert dcc.exit_code == 0, dcc.output


def _run(args: list[str]) -> int:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, (args, result.output)
    assert "wrote" in result.output
    return 1


def test_another_owner_cannot_export(demo: dict[str, Any], db: Any, tmp_path: Path) -> None:
    number = f"370300-{dt.date.today().year}-000001"
    result = runner.invoke(
        app,
        [
            "certificate",
            "export",
            number,
            "--format",
            "pdf",
            "--output",
            str(tmp_path / "x.pdf"),
            "--user",
            "taxi",
        ],
    )
    assert result.exit_code == 2
    assert "no certificate" in result.output
    assert not (tmp_path / "x.pdf").exists()
