"""Checkpoints (C2SP tlog-checkpoint), key rotation, key lists and witness cosignatures."""

from __future__ import annotations

import base64

import pytest

from jiliang.trust import (
    ED25519_COSIGNATURE,
    Checkpoint,
    CheckpointError,
    KeyFormatError,
    KeyRing,
    MerkleLog,
    NoteVerificationError,
    ProofError,
    SignerKey,
    Witness,
    open_checkpoint,
    sign_checkpoint,
)

# The checkpoint body printed in c2sp.org/tlog-checkpoint and tlog-cosignature.
C2SP_BODY = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
ORIGIN = "jiliang.example/log"


def test_c2sp_checkpoint_body_round_trips() -> None:
    cp = Checkpoint.from_text(C2SP_BODY)
    assert cp.origin == "example.com/behind-the-sofa"
    assert cp.size == 20852163
    assert cp.root_hash == base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
    assert cp.to_text() == C2SP_BODY


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("origin\n12\n", "at least 3"),
        ("origin\n012\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "line 2"),
        ("origin\n-1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "line 2"),
        ("origin\n1\nnot base64!\n", "line 3"),
        ("origin\n1\nAAAA\n", "line 3"),
        ("\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "line 1"),
        ("o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\nx\n", "line 4"),
        ("o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=", "newline"),
    ],
)
def test_malformed_checkpoints_name_the_line(text: str, message: str) -> None:
    with pytest.raises(CheckpointError, match=message):
        Checkpoint.from_text(text)


def _log(n: int) -> MerkleLog:
    log = MerkleLog()
    log.append_many(f"record {i}".encode() for i in range(n))
    return log


def test_signed_checkpoint_verifies_and_checks_origin() -> None:
    key = SignerKey.generate(ORIGIN)
    log = _log(10)
    signed = sign_checkpoint(Checkpoint(ORIGIN, log.size, log.root()), [key])
    ring = KeyRing([key.verifier()])
    opened = open_checkpoint(signed, ring, origin=ORIGIN)
    assert opened.checkpoint.size == 10
    with pytest.raises(CheckpointError, match="not the expected log"):
        open_checkpoint(signed, ring, origin="other.example/log")
    tampered = signed.replace("\n10\n", "\n11\n")
    with pytest.raises(NoteVerificationError, match="does not verify"):
        open_checkpoint(tampered, ring)


def test_key_rotation_with_overlap_then_retirement() -> None:
    old = SignerKey.generate(ORIGIN)
    new = SignerKey.generate(ORIGIN)
    log = _log(3)
    cp = Checkpoint(ORIGIN, log.size, log.root())
    ring = KeyRing([old.verifier()]).add(new.verifier(), since="2026-11-22")
    both = sign_checkpoint(cp, [old, new])
    assert len(open_checkpoint(both, ring).note.signers) == 2
    # clients that only know the old key still accept the transition checkpoints
    assert open_checkpoint(both, KeyRing([old.verifier()])).checkpoint == cp
    retired = ring.retire(old.verifier(), retired_at="2026-12-01")
    only_old = sign_checkpoint(cp, [old])
    with pytest.raises(NoteVerificationError, match="retired"):
        open_checkpoint(only_old, retired)
    # an auditor may still check an old checkpoint signed before the retirement
    assert open_checkpoint(only_old, retired, allow_retired=True).checkpoint == cp
    opened = open_checkpoint(both, retired)
    assert [k.key_id for k in opened.note.signers] == [new.key_id]
    assert [k.key_id for k in opened.note.retired_signers] == [old.key_id]


def test_key_list_publication_round_trip() -> None:
    log_key = SignerKey.generate(ORIGIN)
    witness = SignerKey.generate("witness.example/w1", ED25519_COSIGNATURE)
    ring = KeyRing([log_key.verifier()]).add(witness.verifier(), role="witness")
    ring = ring.retire(log_key.verifier(), "2026-12-01")
    again = KeyRing.from_json(ring.to_json())
    assert again.entries == ring.entries
    assert ring.to_json().count("PRIVATE") == 0
    assert KeyRing.from_text(ring.to_text()).keys() == [witness.verifier()]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[]", "format"),
        ('{"format": "jiliang-keys/v1", "keys": {}}', "'keys' must be a list"),
        ('{"format": "jiliang-keys/v1", "keys": [{"vkey": "x"}]}', "keys\\[0\\]"),
        ('{"format": "jiliang-keys/v1", "keys": [{"vkey": 1}]}', "keys\\[0\\]"),
        ("not json", "not JSON"),
    ],
)
def test_bad_key_lists_name_the_entry(text: str, message: str) -> None:
    with pytest.raises(KeyFormatError, match=message):
        KeyRing.from_json(text)


def _witness_setup() -> tuple[SignerKey, SignerKey, KeyRing, Witness]:
    log_key = SignerKey.generate(ORIGIN)
    wkey = SignerKey.generate("regional.example/witness", ED25519_COSIGNATURE)
    ring = KeyRing([log_key.verifier()])
    return log_key, wkey, ring, Witness(wkey, ring, ORIGIN)


def test_witness_cosigns_consistent_growth() -> None:
    log_key, wkey, ring, witness = _witness_setup()
    log = _log(5)
    first = sign_checkpoint(Checkpoint(ORIGIN, 5, log.root()), [log_key])
    witness.cosign(first, [], now=1_800_000_000)
    log.append_many([b"six", b"seven"])
    second = sign_checkpoint(Checkpoint(ORIGIN, 7, log.root()), [log_key])
    cosigned = witness.cosign(second, log.consistency_proof(5), now=1_800_000_060)
    wring = KeyRing([wkey.verifier()])
    opened = open_checkpoint(cosigned, ring, witness_keys=wring, min_witnesses=1)
    assert [(k.name, t) for k, t in opened.witnesses] == [
        ("regional.example/witness", 1_800_000_060)
    ]
    with pytest.raises(NoteVerificationError, match="1 required"):
        open_checkpoint(second, ring, witness_keys=wring, min_witnesses=1)


def test_witness_refuses_truncated_and_forked_logs() -> None:
    log_key, _wkey, _ring, witness = _witness_setup()
    log = _log(8)
    witness.cosign(sign_checkpoint(Checkpoint(ORIGIN, 8, log.root()), [log_key]), [], now=1)
    short = _log(6)
    with pytest.raises(ProofError, match="shrank"):
        witness.cosign(sign_checkpoint(Checkpoint(ORIGIN, 6, short.root()), [log_key]), [], 2)
    # a fork: same first 7 records, a different 8th, then growth to 10
    fork = _log(7)
    fork.append_many([b"rewritten", b"nine", b"ten"])
    signed_fork = sign_checkpoint(Checkpoint(ORIGIN, 10, fork.root()), [log_key])
    with pytest.raises(ProofError, match=r"truncated or forked|does not extend"):
        witness.cosign(signed_fork, fork.consistency_proof(8), now=3)
    same_size_fork = sign_checkpoint(Checkpoint(ORIGIN, 8, _log(9).root()), [log_key])
    with pytest.raises(ProofError, match="fork"):
        witness.cosign(same_size_fork, [], now=4)
    assert witness.latest is not None and witness.latest.size == 8


def test_witness_key_must_be_cosignature_type() -> None:
    with pytest.raises(CheckpointError, match="0x04"):
        Witness(SignerKey.generate("w.example/x"), KeyRing(), ORIGIN)
