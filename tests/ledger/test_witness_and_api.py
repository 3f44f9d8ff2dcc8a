"""Witnessing with two keys in one process (and over the API), and who may read what."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from jiliang.accounts.models import ApiToken
from jiliang.ledger import keys, services
from jiliang.ledger.models import Cosignature, WitnessedLog
from jiliang.trust import (
    Checkpoint,
    KeyEntry,
    KeyRing,
    LogRecord,
    MerkleLog,
    open_checkpoint,
    sign_checkpoint,
)


def _fill(n: int, tag: str = "") -> None:
    services.append(
        [services.Item(LogRecord("test.event", 1, {"n": i, "tag": tag})) for i in range(n)]
    )


@pytest.fixture
def witnessed(logged_world) -> WitnessedLog:
    """This instance witnesses its own log: the log key and the witness key are different."""
    return services.add_witnessed_log(keys.log_origin(), [str(keys.log_signer().verifier())])


def _witness_ring() -> KeyRing:
    return KeyRing([KeyEntry(keys.witness_signer().verifier(), "witness")])


def test_witness_cosigns_consistent_checkpoints_only(witnessed) -> None:
    first = services.sign_checkpoint_now()
    cosigned = services.cosign(first.note)  # trust on first use
    opened = open_checkpoint(
        cosigned, services.log_keyring(), witness_keys=_witness_ring(), min_witnesses=1
    )
    assert opened.checkpoint.size == first.size
    _fill(4)
    second = services.sign_checkpoint_now()
    proof = services.consistency_proof(first.size, second.size)
    services.cosign(second.note, proof)
    witnessed.refresh_from_db()
    assert witnessed.latest_size == second.size
    # A truncated log (a smaller tree signed by the same key) is refused.
    memory = MerkleLog()
    for i in range(3):
        memory.append(b"x%d" % i)
    signer = keys.log_signer()
    small = sign_checkpoint(Checkpoint(keys.log_origin(), 3, memory.root()), [signer])
    with pytest.raises(services.WitnessRefused, match="shrank"):
        services.cosign(small)
    # A fork: a bigger tree that does not extend the witnessed one, even with a proof.
    for i in range(3, 12):
        memory.append(b"x%d" % i)
    forked = sign_checkpoint(Checkpoint(keys.log_origin(), 12, memory.root()), [signer])
    fork_proof = memory.consistency_proof(second.size, 12)
    with pytest.raises(services.WitnessRefused, match=r"not a prefix|does not extend"):
        services.cosign(forked, fork_proof)
    witnessed.refresh_from_db()
    assert witnessed.latest_size == second.size
    assert Cosignature.objects.count() == 2


def test_witness_refuses_unknown_log_and_forged_signature(witnessed) -> None:
    cp = services.sign_checkpoint_now()
    other = sign_checkpoint(
        Checkpoint("other.example/log", 1, b"\x01" * 32),
        [keys.load_or_create("X_UNSET", "other.key", "other.example/log", 1)],
    )
    with pytest.raises(services.WitnessRefused, match="not witnessed here"):
        services.cosign(other)
    forged = cp.note.replace(f"\n{cp.size}\n", f"\n{cp.size + 5}\n")
    with pytest.raises(services.WitnessRefused, match="does not verify"):
        services.cosign(forged)


def test_witness_endpoint(witnessed) -> None:
    w = witnessed
    cp = services.sign_checkpoint_now()
    url = "/api/ledger/witness"
    anonymous = Client().post(url, {"checkpoint": cp.note}, content_type="application/json")
    assert anonymous.status_code == 401
    from jiliang.accounts.models import User

    peer = User.objects.get(username="admin")
    _, raw = ApiToken.issue(peer, "peer instance")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    client = Client()
    ok = client.post(url, {"checkpoint": cp.note}, content_type="application/json", **auth)
    assert ok.status_code == 200
    assert ok.content.decode().startswith(cp.note)  # the same note plus a cosignature line
    _fill(2)
    new = services.sign_checkpoint_now()
    proof = json.loads(services.consistency_proof(cp.size, new.size).to_json())
    ok = client.post(
        url, {"checkpoint": new.note, "proof": proof}, content_type="application/json", **auth
    )
    assert ok.status_code == 200
    bad = client.post(
        url,
        {"checkpoint": new.note, "proof": {"format": "x"}},
        content_type="application/json",
        **auth,
    )
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "proof"
    refused = client.post(url, {"checkpoint": "garbage\n"}, content_type="application/json", **auth)
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["field"] == "checkpoint"
    assert w.cosignatures.count() == 2


def test_public_endpoints_need_no_login(logged_world) -> None:
    client = Client()
    cp = client.get("/api/ledger/checkpoint")
    assert cp.status_code == 200 and cp["Content-Type"].startswith("text/plain")
    assert cp.content.decode().startswith("jiliang.local/ledger\n5\n")
    key_list = KeyRing.from_json(client.get("/api/ledger/keys").content)
    assert {e.role for e in key_list.entries} == {"log", "witness"}
    proof = client.get("/api/ledger/proof/inclusion", {"index": 4})
    assert proof.status_code == 200 and proof.json()["proof"]["tree_size"] == 5
    bad = client.get("/api/ledger/proof/inclusion", {"index": 99})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "index"
    con = client.get("/api/ledger/proof/consistency", {"size1": 2, "size2": 5})
    assert con.status_code == 200 and con.json()["type"] == "consistency"
    assert client.get("/api/ledger/proof/consistency", {"size1": 9}).status_code == 400


@pytest.mark.parametrize(
    ("username", "sees_scale_record"),
    [
        (None, False),
        ("taxi", False),
        ("market", True),
        ("zibo_lab", True),
        ("nim_lab", False),
        ("reg_bj", False),
        ("reg_zibo", True),
        ("admin", True),
    ],
)
def test_record_content_is_scoped(logged_world, username, sees_scale_record) -> None:
    client = Client()
    if username:
        client.force_login(logged_world.users[username])
    index = 4  # ZB-2025-0001, the market's scale certificate issued by the city institute
    detail = client.get(f"/api/ledger/entries/{index}").json()
    assert detail["leaf_hash"]  # hashes are public
    assert (detail["record"] is not None) is sees_scale_record
    listing = client.get("/api/ledger/entries").json()
    row = next(r for r in listing["items"] if r["leaf_index"] == index)
    assert (row["record"] is not None) is sees_scale_record
    by_number = client.get("/api/ledger/proof/certificate/ZB-2025-0001")
    assert by_number.status_code == (200 if sees_scale_record else 404)
    page = client.get(f"/ledger/entries/{index}/")
    assert page.status_code == 200
    assert ("&quot;ZB-2025-0001&quot;" in page.content.decode()) is sees_scale_record


def test_pages(logged_world) -> None:
    client = Client()
    browser = client.get("/ledger/")
    assert browser.status_code == 200
    text = browser.content.decode()
    assert "certificate.issued" in text and "jiliang ledger verify-proof" in text
    keys_page = client.get("/ledger/keys/")
    assert keys_page.status_code == 200
    assert str(keys.log_signer().verifier()) in keys_page.content.decode()
    assert client.get("/ledger/entries/999/").status_code == 404


def test_key_rotation_signs_with_both_keys_then_retires_the_old(
    logged_world, settings, monkeypatch
) -> None:
    from django.utils import timezone

    from jiliang.ledger.models import PublishedKey
    from jiliang.trust import ED25519, SignerKey

    old_key = keys.log_signer()
    incoming = SignerKey.generate(keys.log_origin(), ED25519)
    monkeypatch.setenv("JILIANG_LOG_KEY_NEXT", incoming.to_string())
    during = services.sign_checkpoint_now()
    # Both keys sign during the transition: verifiers that know either key accept it.
    only_new = KeyRing([KeyEntry(incoming.verifier(), "log")])
    only_old = KeyRing([KeyEntry(old_key.verifier(), "log")])
    assert open_checkpoint(during.note, only_new).checkpoint.size == during.size
    assert open_checkpoint(during.note, only_old).checkpoint.size == during.size
    # Then the new key becomes the instance key and the old one is retired (admin).
    monkeypatch.setenv("JILIANG_LOG_KEY", incoming.to_string())
    monkeypatch.delenv("JILIANG_LOG_KEY_NEXT")
    PublishedKey.objects.filter(vkey=str(old_key.verifier())).update(
        status="retired", retired_at=timezone.now()
    )
    _fill(1)
    after = services.sign_checkpoint_now()
    ring = services.log_keyring()
    assert open_checkpoint(after.note, ring).checkpoint.size == after.size
    statuses = {e.key: e.status for e in ring.entries}
    assert statuses == {old_key.verifier(): "retired", incoming.verifier(): "active"}
    # Old checkpoints stay checkable (an auditor allows retired keys), and the audit passes.
    assert open_checkpoint(during.note, ring, allow_retired=True)
    assert services.audit().ok
