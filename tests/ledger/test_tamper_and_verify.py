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
    local = services.audit()  # the tree is self-consistent; the registry still says "pass"
    assert [(f.kind, f.index, f.field) for f in local.findings] == [("registry", 2, "conclusion")]
    assert (local.findings[0].logged, local.findings[0].current) == ("fail", "pass")
    assert [w.kind for w in local.warnings] == ["warning"]  # no checkpoint left
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


# -- issue 12 §3: the log notices what the registry no longer holds ---------------------------


def _entry_of(number: str) -> LogEntry:
    return LogEntry.objects.get(record_type="certificate.issued", subject=number)


def test_registry_certificate_edited_in_the_database_is_named(logged_world) -> None:
    services.sign_checkpoint_now()
    entry = _entry_of("ZB-2025-0001")
    # fail -> pass is the attack of the issue; the world's certificate passed, so the
    # attacker here turns it into a failure and stretches its validity to 2030.
    raw(
        "UPDATE registry_certificate SET conclusion = 'fail', valid_until = %s WHERE number = %s",
        ["2030-12-31", "ZB-2025-0001"],
    )
    code, out = _verify("--json")
    assert code == 1
    doc = json.loads(out)
    named = {(f["object"], f["field"], f["logged"], f["current"]) for f in doc["findings"]}
    # issued 2025-09-01 for one year: valid until 2026-08-31 (tests/conftest.py certify)
    assert named == {
        ("certificate ZB-2025-0001", "conclusion", "pass", "fail"),
        ("certificate ZB-2025-0001", "valid_until", "2026-08-31", "2030-12-31"),
    }
    assert {f["index"] for f in doc["findings"]} == {entry.leaf_index}
    code, text = _verify()
    assert code == 1
    assert "valid_until logged '2026-08-31', registry now '2030-12-31'" in text
    assert "LEDGER NOT OK" in text


def test_registry_certificate_deleted_from_the_database_is_named(logged_world) -> None:
    services.sign_checkpoint_now()
    entry = _entry_of("ZB-2025-0001")
    cert = logged_world.cert_scale.pk
    raw("DELETE FROM registry_certificate_standards_used WHERE certificate_id = %s", [cert])
    raw("DELETE FROM registry_certificate WHERE id = %s", [cert])
    report = services.audit()
    assert [(f.kind, f.index, f.object, f.field) for f in report.findings] == [
        ("registry", entry.leaf_index, "certificate ZB-2025-0001", "")
    ]
    assert "in the log but not in the registry" in report.findings[0].detail


def test_standards_changed_after_logging_are_compared_with_the_latest_list(
    logged_world,
) -> None:
    from jiliang.ledger.records import log_standards_changed

    cert = logged_world.cert_scale
    raw("DELETE FROM registry_certificate_standards_used WHERE certificate_id = %s", [cert.pk])
    assert [f.field for f in services.audit().findings] == ["standards_used"]
    log_standards_changed(cert.pk)  # the change is logged: the log holds the new list
    assert services.audit().ok


def test_examination_certificate_and_standard_status_edited_are_named(logged_world) -> None:
    e2 = logged_world.e2
    raw(
        "UPDATE registry_examinationcertificate SET valid_until = %s WHERE number = %s",
        ["2040-01-01", f"EX-{e2.code}"],
    )
    report = services.audit()
    assert [(f.kind, f.object, f.field, f.current) for f in report.findings] == [
        ("registry", f"examination certificate EX-{e2.code}", "valid_until", "2040-01-01")
    ]
    # A standard found nonconforming (logged), then put back in service by a raw edit.
    e2.status = "nonconforming"
    e2.save()
    raw("UPDATE registry_measurementstandard SET status = 'in_service' WHERE id = %s", [e2.pk])
    found = {(f.object, f.field, f.logged, f.current) for f in services.audit().findings}
    assert (f"standard {e2.code}", "status", "nonconforming", "in_service") in found


def test_edited_access_columns_are_reported_and_do_not_widen_access(logged_world) -> None:
    from django.test import Client

    entry = _entry_of("ZB-2025-0001")
    taxi = logged_world.taxi  # an owner the certificate has nothing to do with
    client = Client()
    client.force_login(logged_world.users["taxi"])
    assert client.get(f"/api/ledger/entries/{entry.leaf_index}").json()["record"] is None
    disable_triggers()
    raw(
        "UPDATE ledger_logentry SET owner_id = %s, issuer_id = %s WHERE leaf_index = %s",
        [taxi.pk, taxi.pk, entry.leaf_index],
    )
    report = services.audit()
    assert {(f.kind, f.index, f.field) for f in report.findings} == {
        ("access", entry.leaf_index, "owner_id"),
        ("access", entry.leaf_index, "issuer_id"),
    }
    owner = next(f for f in report.findings if f.field == "owner_id")
    assert (owner.logged, owner.current) == (
        str(logged_world.market.pk),
        str(taxi.pk),
    )  # the record names the market as owner; the column was pointed at the taxi company
    # Reading still follows the record body: the taxi company sees no more than before.
    assert client.get(f"/api/ledger/entries/{entry.leaf_index}").json()["record"] is None
    listing = client.get("/api/ledger/entries").json()["items"]
    assert all(r["record"] is None for r in listing if r["leaf_index"] == entry.leaf_index)


def test_edited_subject_column_is_reported_and_cannot_serve_another_record(
    logged_world,
) -> None:
    from django.test import Client

    scale = _entry_of("ZB-2025-0001")
    disable_triggers()
    # Point the NIM certificate's entry at the number the market may look up.
    nim = _entry_of("NIM-2025-0001")
    raw("DELETE FROM ledger_logentry WHERE leaf_index = %s", [-1])
    raw(
        "UPDATE ledger_logentry SET subject = 'ZB-2025-0001', dedupe_key = NULL "
        "WHERE leaf_index = %s",
        [nim.leaf_index],
    )
    report = services.audit()
    assert ("access", nim.leaf_index, "subject") in {
        (f.kind, f.index, f.field) for f in report.findings
    }
    client = Client()
    client.force_login(logged_world.users["market"])
    proof = client.get("/api/ledger/proof/certificate/ZB-2025-0001").json()
    assert proof["leaf_index"] == scale.leaf_index
    assert '"NIM-2025-0001"' not in proof["record"]


def test_changed_tree_leaf_names_the_entry_under_the_node(logged_world) -> None:
    _fill(8)  # leaves 3..10 (test events: no registry object)
    disable_triggers()
    # Only the stored tree leaf of entry 7 is changed.
    raw("UPDATE ledger_treenode SET hash = %s WHERE id = %s", [b"\x11" * 32, 7])
    report = services.audit()
    node = next(f for f in report.findings if f.kind == "node")
    assert "covers leaves 6–7" in node.detail
    assert "leaf 7 differs from its stored record" in node.detail
    assert report.indices("modified") == [7]


def test_leaf_rewritten_with_its_hashes_names_the_leaves_under_the_node(logged_world) -> None:
    _fill(8)
    disable_triggers()
    forged = LogRecord("test.event", 1, {"n": 999}).canonical_bytes()
    leaf = hashlib.sha256(b"\x00" + forged).digest()  # RFC 9162 2.1.1 leaf hash
    raw(
        "UPDATE ledger_logentry SET record = %s, leaf_hash = %s WHERE leaf_index = 9",
        [forged.decode(), leaf],
    )
    raw("UPDATE ledger_treenode SET hash = %s WHERE id = 9", [leaf])
    report = services.audit()
    assert report.indices("modified") == []
    node = next(f for f in report.findings if f.kind == "node")
    assert "stored node (1, 4)" in node.detail and "covers leaves 8–9" in node.detail
    assert "entries 8, 9 was rewritten together with its leaf hash" in node.detail


def test_head_not_covered_by_a_checkpoint_is_a_warning(logged_world) -> None:
    services.sign_checkpoint_now()
    size = services.head_size()
    _fill(2)
    code, out = _verify()
    assert code == 0
    assert f"covers {size} of {size + 2} entries" in out and "LEDGER OK with warnings" in out
    code, out = _verify("--strict")
    assert code == 1 and "LEDGER NOT OK (--strict)" in out
    disable_triggers()
    raw("DELETE FROM ledger_signedcheckpoint")
    report = services.audit()
    assert report.ok and "no signed checkpoint is stored" in report.warnings[0].detail


def test_stored_checkpoints_that_went_backwards_are_reported(logged_world) -> None:
    from jiliang.ledger import keys
    from jiliang.trust import Checkpoint, sign_checkpoint

    _fill(5)
    services.sign_checkpoint_now()  # size 8
    # A later checkpoint of a smaller tree, properly signed (the attacker holds the key):
    # the root of the first 4 leaves, computed independently from the stored records.
    memory = MerkleLog()
    for record in LogEntry.objects.order_by("leaf_index").values_list("record", flat=True)[:4]:
        memory.append(record.encode())
    note = sign_checkpoint(Checkpoint(keys.log_origin(), 4, memory.root()), [keys.log_signer()])
    SignedCheckpoint.objects.create(size=4, root_hash=memory.root(), note=note)
    report = services.audit()
    assert [f.kind for f in report.findings] == ["checkpoint"]
    assert "is smaller than the earlier" in report.findings[0].detail
    assert "went backwards" in report.findings[0].detail


def test_stored_checkpoint_not_extending_the_earlier_one_is_reported(logged_world) -> None:
    from jiliang.ledger import keys
    from jiliang.trust import Checkpoint, sign_checkpoint

    _fill(5)
    forked = hashlib.sha256(b"another history").digest()
    note = sign_checkpoint(Checkpoint(keys.log_origin(), 4, forked), [keys.log_signer()])
    SignedCheckpoint.objects.create(size=4, root_hash=forked, note=note)
    services.sign_checkpoint_now()  # size 8, the true tree
    report = services.audit()
    details = [f.detail for f in report.findings if f.kind == "checkpoint"]
    assert any("no longer produce the root signed at size 4" in d for d in details)
    assert any("does not extend the earlier" in d for d in details)


def test_full_consistent_rewrite_passes_locally_but_fails_against_the_witness(
    logged_world, tmp_path
) -> None:
    from jiliang.ledger import keys

    # A witness (here this instance, with its own witness key) cosigned the honest log.
    services.add_witnessed_log(keys.log_origin(), [str(keys.log_signer().verifier())])
    honest = services.sign_checkpoint_now()
    services.cosign(honest.note)
    result = runner.invoke(app, ["ledger", "witness", "latest", keys.log_origin()])
    assert result.exit_code == 0, result.output
    (tmp_path / "witnessed.txt").write_text(result.output)
    witness_key = str(keys.witness_signer().verifier())
    # The attacker (database access and the log key) turns the scale's pass into a fail in
    # the registry AND in the log, rebuilds the tree, deletes the checkpoints, re-signs.
    disable_triggers()
    raw("UPDATE registry_certificate SET conclusion = 'fail' WHERE number = 'ZB-2025-0001'")
    fields = ("record", "subject_kind", "subject", "dedupe_key", "owner_id", "issuer_id")
    rows = [list(r) for r in LogEntry.objects.order_by("leaf_index").values_list(*fields)]
    for row in rows:
        if row[2] == "ZB-2025-0001":
            row[0] = row[0].replace('"conclusion":"pass"', '"conclusion":"fail"')
    raw("DELETE FROM ledger_signedcheckpoint")
    raw("DELETE FROM ledger_treenode")
    raw("DELETE FROM ledger_logentry")
    raw("UPDATE ledger_head SET size = 0 WHERE id = 1")
    services.append([services.Item(LogRecord.from_json(r[0]), *r[1:]) for r in rows])
    services.sign_checkpoint_now()
    code, out = _verify()
    assert code == 0 and "LEDGER OK" in out and "WARN" not in out  # nothing local can tell
    code, out = _verify(
        "--checkpoint", str(tmp_path / "witnessed.txt"), "--witness-key", witness_key
    )
    assert code == 1
    assert f"no longer produce the root signed at size {honest.size}" in out
    # A checkpoint without the witness's cosignature is not accepted as the witness's.
    (tmp_path / "plain.txt").write_text(honest.note)
    code, out = _verify("--checkpoint", str(tmp_path / "plain.txt"), "--witness-key", witness_key)
    assert code == 1 and "witness cosignature" in out


def test_verify_bad_input_is_a_precise_message(logged_world, tmp_path) -> None:
    code, out = _verify("--format", "xml")
    assert code == 2 and "--format must be text or json" in out
    code, out = _verify("--checkpoint", str(tmp_path / "missing.txt"))
    assert code == 2 and "cannot read checkpoint" in out
    code, out = _verify("--witness-key", "not-a-key")
    assert code == 2 and "public key 'not-a-key'" in out
    (tmp_path / "junk.txt").write_text("not a checkpoint\n")
    code, out = _verify("--checkpoint", str(tmp_path / "junk.txt"))
    assert code == 1 and "FAIL signature" in out and "external checkpoint 1" in out
    assert "Traceback" not in out
    result = runner.invoke(app, ["ledger", "witness", "latest", "nobody.example/log"])
    assert result.exit_code == 2 and "no cosigned checkpoint" in result.output


def test_verify_json_names_registry_differences(logged_world) -> None:
    services.sign_checkpoint_now()
    raw("UPDATE registry_certificate SET regulation = 'JJG 0-0000' WHERE number = 'SD-2025-0001'")
    code, out = _verify("--format", "json")
    assert code == 1
    doc = json.loads(out)
    assert doc["ok"] is False and doc["warnings"] == []
    (finding,) = doc["findings"]
    assert finding["kind"] == "registry"
    assert (finding["object"], finding["field"]) == ("certificate SD-2025-0001", "regulation")
    assert (finding["logged"], finding["current"]) == ("JJG 99-2022", "JJG 0-0000")


def test_modified_record_is_also_compared_field_by_field(logged_world) -> None:
    entry = _entry_of("ZB-2025-0001")
    disable_triggers()
    raw(
        "UPDATE ledger_logentry SET record = %s WHERE leaf_index = %s",
        [entry.record.replace('"pass"', '"fail"'), entry.leaf_index],
    )
    raw("UPDATE ledger_logentry SET record = 'not json' WHERE leaf_index = 0")
    report = services.audit()
    assert report.indices("modified") == [0, entry.leaf_index]
    named = [(f.index, f.field, f.logged, f.current) for f in report.findings if f.object]
    assert named == [(entry.leaf_index, "conclusion", "fail", "pass")]


def test_missing_tree_node_still_compares_the_registry(logged_world) -> None:
    _fill(5)  # 8 leaves
    disable_triggers()
    raw("DELETE FROM ledger_treenode WHERE id = %s", [(1 << 48) | 1])  # node (1, 1)
    raw("UPDATE registry_certificate SET conclusion = 'fail' WHERE number = 'ZB-2025-0001'")
    code, out = _verify()
    assert code == 1
    assert "the stored tree is incomplete: tree node (1, 1) is not stored" in out
    assert "conclusion logged 'pass', registry now 'fail'" in out


def test_tariff_package_edited_in_the_registry_is_named(logged_world) -> None:
    import datetime as dt

    from jiliang.taximeters import services as taxi_services

    beijing_2013 = {  # tests/taximeters/conftest.py: the Beijing tariff of 2013-06-10
        "start_fare": "13.00",
        "start_distance_m": 3000,
        "fare_step_distance_m": 500,
        "price_per_km": "2.30",
        "waiting_price_per_min": "0.46",
        "night_surcharge_percent": "20.00",
        "crossover_speed_kmh": "12.00",
        "k_pulses_per_km": 1000,
    }
    package = taxi_services.create_package(
        logged_world.users["reg_bj"],
        scope_kind="fleet",
        scope_id=logged_world.taxi.uscc,
        parameters=beijing_2013,
        effective_at=dt.datetime(2026, 7, 1, tzinfo=dt.UTC),
    )
    assert services.audit().ok
    edited = {**beijing_2013, "price_per_km": "3.30"}
    raw(
        "UPDATE taximeters_tariffpackage SET parameters = %s WHERE id = %s",
        [json.dumps(edited), package.pk],
    )
    report = services.audit()
    assert [(f.index, f.field, f.logged, f.current) for f in report.findings] == [
        (package.log_index, "parameters.price_per_km", "2.30", "3.30")
    ]
