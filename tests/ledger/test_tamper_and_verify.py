"""`jiliang ledger verify` recomputes everything from the database and names exactly the
records changed, deleted or inserted out of band; truncation and forks are caught against an
earlier signed checkpoint (stored, or held outside the database)."""

from __future__ import annotations

import hashlib
import json

from typer.testing import CliRunner

from jiliang.cli.main import app
from jiliang.ledger import services
from jiliang.ledger.models import LogEntry, SignedCheckpoint
from jiliang.trust import LogRecord, MerkleLog, verify_consistency_offline

from .helpers import disable_triggers, raw

runner = CliRunner()


def _fill(n: int) -> None:
    services.append([services.Item(LogRecord("test.event", 1, {"n": i})) for i in range(n)])


def _verify(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["ledger", "verify", *args])
    return result.exit_code, result.output


def test_clean_log_verifies(logged_world) -> None:
    services.sign_checkpoint_now()
    code, out = _verify()
    assert code == 0, out
    assert "LEDGER OK" in out


def test_modified_record_is_named(logged_world) -> None:
    _fill(10)
    services.sign_checkpoint_now()
    disable_triggers()
    entry = LogEntry.objects.get(subject="ZB-2025-0001")
    raw(
        "UPDATE ledger_logentry SET record = %s WHERE leaf_index = %s",
        [entry.record.replace('"pass"', '"fail"'), entry.leaf_index],
    )
    code, out = _verify("--json")
    assert code == 1
    doc = json.loads(out)
    assert doc["modified"] == [entry.leaf_index]
    assert doc["deleted"] == [] and doc["inserted"] == []


def test_record_and_its_leaf_hash_rewritten_together_is_still_named(logged_world) -> None:
    _fill(4)
    disable_triggers()
    forged = LogRecord("test.event", 1, {"n": 999}).canonical_bytes()
    leaf = hashlib.sha256(b"\x00" + forged).digest()  # RFC 9162 2.1.1 leaf hash
    raw(
        "UPDATE ledger_logentry SET record = %s, leaf_hash = %s WHERE leaf_index = 6",
        [forged.decode(), leaf],
    )
    report = services.audit()
    assert report.indices("modified") == [6]  # the stored tree still commits to the original


def test_deleted_record_is_named_as_a_gap(logged_world) -> None:
    _fill(6)
    disable_triggers()
    raw("DELETE FROM ledger_logentry WHERE leaf_index IN (3, 7)")
    code, out = _verify()
    assert code == 1
    assert "DELETED records: 3, 7" in out


def test_record_inserted_out_of_band_is_named(logged_world) -> None:
    size = services.head_size()
    data = LogRecord("test.event", 1, {"n": "sneaked"}).canonical_bytes()
    raw(
        "INSERT INTO ledger_logentry (leaf_index, record_type, record, leaf_hash, subject_kind, "
        "subject, created) VALUES (%s, 'test.event', %s, %s, '', '', %s)",
        [size, data.decode(), hashlib.sha256(b"\x00" + data).digest(), "2026-06-01 00:00:00"],
    )
    report = services.audit()
    assert not report.ok
    assert report.indices("inserted") == [size]


def test_truncated_log_is_caught_by_the_stored_checkpoint(logged_world) -> None:
    _fill(6)
    services.sign_checkpoint_now()  # size 11
    disable_triggers()
    # Roll the log back to 8 leaves, consistently: entries, nodes and head.
    raw("DELETE FROM ledger_logentry WHERE leaf_index >= 8")
    raw("DELETE FROM ledger_treenode WHERE id IN (%s, %s, %s)", [8, 9, 10])
    raw("DELETE FROM ledger_treenode WHERE id IN (%s)", [(1 << 48) | 4])
    raw("UPDATE ledger_head SET size = 8 WHERE id = 1")
    report = services.audit()
    assert [f.kind for f in report.findings] == ["checkpoint"]
    assert "exceeds the tree" in report.findings[0].detail


def test_rewritten_log_is_caught_by_a_checkpoint_held_outside(logged_world, tmp_path) -> None:
    _fill(3)
    old = services.sign_checkpoint_now()  # size 8, a copy kept by an auditor
    (tmp_path / "old.txt").write_text(old.note)
    disable_triggers()
    # The attacker rewrites record 2 and rebuilds the whole tree so that it is
    # self-consistent, and deletes the stored checkpoints.
    fields = ("record", "subject_kind", "subject", "dedupe_key", "owner_id", "issuer_id")
    rows = [list(r) for r in LogEntry.objects.order_by("leaf_index").values_list(*fields)]
    rows[2][0] = rows[2][0].replace('"pass"', '"fail"')
    raw("DELETE FROM ledger_signedcheckpoint")
    raw("DELETE FROM ledger_treenode")
    raw("DELETE FROM ledger_logentry")
    raw("UPDATE ledger_head SET size = 0 WHERE id = 1")
    services.append([services.Item(LogRecord.from_json(r[0]), *r[1:]) for r in rows])
    assert services.audit().ok  # self-consistent now: only an outside checkpoint can tell
    code, out = _verify("--checkpoint", str(tmp_path / "old.txt"))
    assert code == 1
    assert "no longer produce the root signed at size 8" in out
    # A consistency proof from the old checkpoint to the new head fails too.
    new = services.sign_checkpoint_now()
    proof = services.consistency_proof(8, new.size)
    report = verify_consistency_offline(old.note, new.note, proof.to_json(), services.log_keyring())
    assert not report.ok
    assert report.failure is not None and report.failure.step == "consistency"


def test_forked_checkpoint_with_a_forged_signature_is_reported(logged_world) -> None:
    cp = services.sign_checkpoint_now()
    disable_triggers()
    raw(
        "UPDATE ledger_signedcheckpoint SET note = %s WHERE id = %s",
        [cp.note.replace(f"\n{cp.size}\n", f"\n{cp.size + 1}\n"), cp.pk],
    )
    report = services.audit()
    assert [f.kind for f in report.findings] == ["signature"]


def test_unlogged_certificate_is_reported_and_sync_repairs_it(world) -> None:
    # The world's certificates were created inside the test transaction: their on_commit
    # append has not run, exactly like a crash between commit and append.
    report = services.audit()
    assert [f.kind for f in report.findings] == ["unlogged"]
    assert "NIM-2025-0001" in report.findings[0].detail
    result = runner.invoke(app, ["ledger", "sync"])
    assert result.exit_code == 0 and "logged 3 certificate(s)" in result.output
    assert services.audit().ok


def test_consistency_command_proves_append_only_growth(logged_world) -> None:
    old = services.sign_checkpoint_now()
    _fill(3)
    new = services.sign_checkpoint_now()
    result = runner.invoke(app, ["ledger", "consistency", str(old.size), str(new.size)])
    assert result.exit_code == 0
    report = verify_consistency_offline(old.note, new.note, result.output, services.log_keyring())
    assert report.ok, report.checks
    bad = runner.invoke(app, ["ledger", "consistency", "0"])
    assert bad.exit_code == 2 and "size1" in bad.output


def test_checkpoint_command_signs_the_current_head(logged_world) -> None:
    result = runner.invoke(app, ["ledger", "checkpoint"])
    assert result.exit_code == 0
    lines = result.output.split("\n")
    assert lines[0] == "jiliang.local/ledger"
    assert lines[1] == str(services.head_size())
    assert SignedCheckpoint.objects.count() == 1
    # The same root from an independent in-memory tree of the stored records.
    memory = MerkleLog()
    for record in LogEntry.objects.order_by("leaf_index").values_list("record", flat=True):
        memory.append(record.encode())
    assert SignedCheckpoint.objects.get().root_hash == memory.root()
