"""Offline verification (record + proof + signed checkpoint + public key), the CLI, and the
full audit that `ledger verify` builds on. Tamper cases must be named precisely."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jiliang.cli.ledger import app
from jiliang.trust import (
    Checkpoint,
    ConsistencyProof,
    InclusionProof,
    KeyRing,
    LogRecord,
    MemoryNodeStore,
    MerkleLog,
    ProofError,
    SignerKey,
    audit_log,
    sign_checkpoint,
)

ORIGIN = "jiliang.example/log"


def _records(n: int) -> list[LogRecord]:
    return [
        LogRecord("certificate.issued", 1, {"number": f"JL-2026-{i:05d}", "result": "10.000 02"})
        for i in range(n)
    ]


def _setup(n: int = 13) -> tuple[SignerKey, list[LogRecord], MerkleLog, str]:
    key = SignerKey.generate(ORIGIN)
    records = _records(n)
    log = MerkleLog()
    log.append_many(r.canonical_bytes() for r in records)
    signed = sign_checkpoint(Checkpoint(ORIGIN, log.size, log.root()), [key])
    return key, records, log, signed


def _proof(log: MerkleLog, index: int) -> str:
    return InclusionProof(index, log.size, tuple(log.inclusion_proof(index))).to_json()


def test_offline_verification_succeeds_for_every_record() -> None:
    from jiliang.trust import verify_record_offline

    key, records, log, signed = _setup()
    ring = KeyRing([key.verifier()])
    for i, rec in enumerate(records):
        pretty = json.dumps(rec.to_json_value(), indent=4)  # layout does not matter
        report = verify_record_offline(pretty, _proof(log, i), signed, ring, origin=ORIGIN)
        assert report.ok, report.checks
        assert [c.step for c in report.checks] == ["checkpoint", "record", "proof", "inclusion"]


def test_offline_verification_names_the_failing_step() -> None:
    from jiliang.trust import verify_record_offline

    key, records, log, signed = _setup()
    ring = KeyRing([key.verifier()])
    rec = records[4].to_json_value()
    proof = _proof(log, 4)
    changed = dict(rec, body=dict(rec["body"], result="10.000 03"))
    cases = {
        "inclusion": (json.dumps(changed), proof, signed, ring),
        "checkpoint": (json.dumps(rec), proof, signed.replace("\n13\n", "\n14\n"), ring),
        "record": ('{"record_type": "x.y", "body": {}}', proof, signed, ring),
        "proof": (json.dumps(rec), proof.replace('"tree_size": 13', '"tree_size": 12'), signed,
                  ring),
    }  # fmt: skip
    for step, args in cases.items():
        report = verify_record_offline(*args)
        assert not report.ok
        assert report.failure is not None and report.failure.step == step, report.checks
    other = KeyRing([SignerKey.generate(ORIGIN).verifier()])
    report = verify_record_offline(json.dumps(rec), proof, signed, other)
    assert report.failure is not None and "no signature from a trusted" in report.failure.detail


def test_proof_json_round_trip_and_errors() -> None:
    proof = InclusionProof(3, 8, (bytes(32), bytes(range(32))))
    assert InclusionProof.from_json(proof.to_json()) == proof
    con = ConsistencyProof(3, 8, (bytes(32),))
    assert ConsistencyProof.from_json(con.to_json()) == con
    with pytest.raises(ProofError, match=r"hashes\[0\]"):
        InclusionProof.from_json(proof.to_json().replace("AAAAAAAA", "AAAA", 1))
    with pytest.raises(ProofError, match="leaf_index"):
        InclusionProof.from_json(proof.to_json().replace('"leaf_index": 3', '"leaf_index": -1'))
    with pytest.raises(ProofError, match="format"):
        InclusionProof.from_json(con.to_json())


def _write(tmp: Path, name: str, text: str) -> str:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_cli_verify_proof_and_consistency(tmp_path: Path) -> None:
    key, records, log, signed = _setup()
    runner = CliRunner()
    keyfile = _write(tmp_path, "keys.json", KeyRing([key.verifier()]).to_json())
    args = [
        "verify-proof",
        "--public-key", keyfile,
        "--record", _write(tmp_path, "r.json", json.dumps(records[7].to_json_value())),
        "--proof", _write(tmp_path, "p.json", _proof(log, 7)),
        "--checkpoint", _write(tmp_path, "c.txt", signed),
        "--origin", ORIGIN,
    ]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "VERIFIED" in result.output
    bad = _write(tmp_path, "bad.json", json.dumps(records[8].to_json_value()))
    result = runner.invoke(app, [*args[:4], bad, *args[5:]])
    assert result.exit_code == 1
    assert "FAIL inclusion" in result.output
    # consistency between two signed checkpoints, with the vkey given inline
    old_signed = sign_checkpoint(Checkpoint(ORIGIN, 5, log.root(5)), [key])
    con = ConsistencyProof(5, 13, tuple(log.consistency_proof(5, 13))).to_json()
    result = runner.invoke(
        app,
        [
            "verify-consistency", "--public-key", str(key.verifier()),
            "--old", _write(tmp_path, "old.txt", old_signed),
            "--new", _write(tmp_path, "new.txt", signed),
            "--proof", _write(tmp_path, "con.json", con),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output


def test_cli_leaf_hash_and_keygen(tmp_path: Path) -> None:
    rec = _records(1)[0]
    runner = CliRunner()
    path = _write(tmp_path, "r.json", json.dumps(rec.to_json_value(), indent=2))
    result = runner.invoke(app, ["leaf-hash", path])
    assert result.exit_code == 0 and result.output.strip() == rec.leaf_hash().hex()
    out = tmp_path / "secret.key"
    result = runner.invoke(app, ["keygen", "cnas.example/log", "--out", str(out)])
    assert result.exit_code == 0, result.output
    signer = SignerKey.parse(out.read_text())
    assert result.output.strip() == str(signer.verifier())
    assert out.stat().st_mode & 0o077 == 0
    again = runner.invoke(app, ["keygen", "cnas.example/log", "--out", str(out)])
    assert again.exit_code != 0  # never overwrites a secret key


def test_audit_clean_log() -> None:
    _, records, log, signed = _setup(37)
    cp = Checkpoint.from_text(signed.split("\n\n")[0] + "\n")
    report = audit_log([r.leaf_hash() for r in records], log.store, [cp])
    assert report.ok and report.root == log.root()


def test_audit_names_modified_deleted_inserted_records() -> None:
    _, records, log, _ = _setup(37)
    hashes: list[bytes | None] = [r.leaf_hash() for r in records]
    hashes[5] = LogRecord("certificate.issued", 1, {"number": "forged"}).leaf_hash()
    hashes[20] = None
    hashes.append(_records(38)[37].leaf_hash())
    report = audit_log(hashes, log.store)
    assert [(f.kind, f.index) for f in report.findings] == [
        ("modified", 5),
        ("deleted", 20),
        ("inserted", 37),
    ]


def test_audit_catches_consistent_rewrite_through_the_signed_checkpoint() -> None:
    _, records, _log, signed = _setup(16)
    cp = Checkpoint.from_text(signed.split("\n\n")[0] + "\n")
    # the attacker rewrites record 3 and rebuilds the whole stored tree to match
    records[3] = LogRecord("certificate.issued", 1, {"number": "rewritten"})
    rebuilt = MerkleLog(MemoryNodeStore())
    rebuilt.append_many(r.canonical_bytes() for r in records)
    report = audit_log([r.leaf_hash() for r in records], rebuilt.store, [cp])
    assert [(f.kind, f.index) for f in report.findings] == [("checkpoint", 16)]
    # an auditor holding a consistency proof from the rebuilt store would also fail
    with pytest.raises(ProofError):
        from jiliang.trust import verify_consistency

        verify_consistency(16, 16, [], cp.root_hash, rebuilt.root())


def test_audit_catches_tampered_interior_node() -> None:
    _, records, log, _ = _setup(8)
    store = log.store
    assert isinstance(store, MemoryNodeStore)
    store._levels[1][0:32] = bytes(32)  # direct write, as an out-of-band UPDATE would
    report = audit_log([r.leaf_hash() for r in records], store)
    assert [(f.kind, f.index) for f in report.findings] == [("node", 0)]
