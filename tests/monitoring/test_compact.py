"""Uploads of many days go to the store's inbox; `jiliang energy compact` moves them into the
day partitions: readings, acknowledgements and resends are the same before and after."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.test import Client
from typer.testing import CliRunner

from jiliang.cli.main import app
from tests.monitoring.site import Site

URL = "/api/energy/uploads"
CST = dt.timezone(dt.timedelta(hours=8))
ITEMS = 1000  # 15-minute readings from 1 May 00:00 CST: 10 whole days and 40 of the 11th

runner = CliRunner()


def batch(message_id: str = "m-0001") -> dict[str, Any]:
    start = dt.datetime(2026, 5, 1, tzinfo=CST)
    items = [
        {
            "point": "E-MAIN",
            "start": (start + dt.timedelta(minutes=15 * i)).isoformat(),
            "value": float(i),
        }
        for i in range(ITEMS)
    ]
    return {"message_id": message_id, "user": "NM-ALU-01", "items": items}


def post(body: dict[str, Any], token: str) -> Any:
    return Client().post(
        URL,
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.parquet"))


def stored(root: Path) -> list[tuple[Any, ...]]:
    from jiliang.energy.store import scan

    return scan(root, dedupe=False).order("time").fetchall()


def test_upload_of_many_days_compacts_and_reads_the_same(
    site: Site, token: str, energy_root: Path
) -> None:
    from jiliang.energy.store import bucket_of
    from jiliang.monitoring.storage import read_table

    answer = post(batch(), token)
    assert answer.status_code == 200, answer.content
    ack = answer.json()["ack"]
    bucket = f"bucket={bucket_of('NM-ALU-01'):02d}"
    [only] = files(energy_root)
    assert only.startswith(f"inbox/{bucket}/b-")
    before = stored(energy_root)
    assert len(before) == ITEMS
    table = read_table(energy_root, users=["NM-ALU-01"]).sort_by("time")
    # a resend is the same message: the same ack, nothing stored twice
    again = post(batch(), token)
    assert again.json()["ack"] == ack and again.json()["duplicate"] is True
    assert len(stored(energy_root)) == ITEMS

    result = runner.invoke(app, ["energy", "compact"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        f"compacted 1 inbox files ({ITEMS} readings) into 11 day files under {energy_root}"
    )
    assert stored(energy_root) == before
    assert read_table(energy_root, users=["NM-ALU-01"]).sort_by("time").equals(table)
    day_files = files(energy_root)
    assert len(day_files) == 11 and day_files[0].startswith(f"day=2026-05-01/{bucket}/b-")
    assert day_files[-1].startswith(f"day=2026-05-11/{bucket}/b-")
    assert {Path(f).name for f in day_files} == {Path(only).name}
    # the upload's receipt still names where its readings lay when acknowledged; a resend
    # after compaction gets the same ack and stores nothing
    again = post(batch(), token)
    assert again.json()["ack"] == ack and again.json()["duplicate"] is True
    assert len(stored(energy_root)) == ITEMS
    # nothing left: a second run says so
    result = runner.invoke(app, ["energy", "compact"])
    assert result.exit_code == 0 and "compacted 0 inbox files (0 readings)" in result.stdout


def test_compact_keeps_young_files_and_refuses_bad_input(
    site: Site, token: str, energy_root: Path
) -> None:
    assert post(batch(), token).status_code == 200
    result = runner.invoke(app, ["energy", "compact", "--older-than", "3600"])
    assert result.exit_code == 0 and "compacted 0 inbox files" in result.stdout
    assert files(energy_root)[0].startswith("inbox/")

    bad = runner.invoke(app, ["energy", "compact", "--older-than", "-5"])
    assert bad.exit_code == 2
    assert bad.stderr.strip() == "error: --older-than -5.0: give a number of seconds >= 0"
    assert runner.invoke(app, ["energy", "compact", "--older-than", "soon"]).exit_code == 2

    broken = energy_root / "inbox" / "bucket=00" / "b-0.parquet"
    broken.parent.mkdir(exist_ok=True)
    broken.write_bytes(b"PAR1 cut short")
    result = runner.invoke(app, ["energy", "compact"])
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"error: {broken}: not a readable file of the readings store" in result.stderr
    assert "Traceback" not in result.output
    assert "moved all the same: 1 inbox files" in result.stderr
    assert broken.exists()
    assert len([f for f in files(energy_root) if f.startswith("day=")]) == 11
