"""POST /api/energy/uploads in-process: acknowledgement, resend, refusals (nothing written)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.monitoring.site import Site

URL = "/api/energy/uploads"


def batch(message_id: str = "m-0001", **over: Any) -> dict[str, Any]:
    body = {
        "message_id": message_id,
        "user": "NM-ALU-01",
        "items": [
            {"point": "E-MAIN", "start": "2026-05-01T00:00:00+08:00", "value": 99990.0},
            {"point": "E-MAIN", "start": "2026-05-01T00:15:00+08:00", "value": 5.0},
            {
                "point": "GAS",
                "start": "2026-05-01T00:00:00+08:00",
                "value": 12.5,
                "kind": "interval",
                "quality": "ok",
            },
        ],
    }
    body.update(over)
    return body


def post(body: Any, token: str | None, raw: bytes | None = None) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    data = raw if raw is not None else json.dumps(body)
    return Client().post(URL, data=data, content_type="application/json", **headers)


def stored(root: Path) -> list[dict[str, Any]]:
    from jiliang.energy.store import scan

    return scan(root, dedupe=False).to_arrow_table().to_pylist()


def test_ack_after_durable_and_resend_gets_the_same_ack(
    site: Site, token: str, energy_root: Path
) -> None:
    from jiliang.monitoring.models import UploadBatch

    first = post(batch(), token)
    assert first.status_code == 200, first.content
    ack = first.json()
    assert ack["count"] == 3 and ack["duplicate"] is False and len(ack["ack"]) == 64
    rows = stored(energy_root)
    assert len(rows) == 3
    assert {r["source"] for r in rows} == {"api"}
    # 2026-05-01T00:00+08:00 is 2026-04-30T16:00Z; the day partition is the CST day
    assert sorted(p.parent.parent.name for p in energy_root.rglob("*.parquet")) == [
        "day=2026-05-01"
    ]
    # a resend (other key order and spacing) is the same message: same ack, nothing new
    again = post(None, token, raw=json.dumps(batch(), indent=2, sort_keys=True).encode())
    assert again.status_code == 200
    assert again.json()["ack"] == ack["ack"] and again.json()["duplicate"] is True
    assert len(stored(energy_root)) == 3
    assert UploadBatch.objects.count() == 1


def test_same_message_id_with_other_content_is_refused(
    site: Site, token: str, energy_root: Path
) -> None:
    assert post(batch(), token).status_code == 200
    changed = batch()
    changed["items"][0]["value"] = 1.0
    answer = post(changed, token)
    assert answer.status_code == 409
    assert answer.json()["errors"][0]["field"] == "message_id"
    assert len(stored(energy_root)) == 3


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b["items"][1].update(value="5"), "items[1].value"),
        (lambda b: b["items"][2].update(kind="pulse"), "items[2].kind"),
        (lambda b: b["items"][0].update(start="2026-05-01 00:00"), "items[0].start"),
        (lambda b: b["items"][0].update(start="2026-05-01T00:00:00"), "items[0].start"),
        (lambda b: b["items"][1].update(point="NOPE"), "items[1].point"),
        (lambda b: b["items"][1].update(extra=1), "items[1].extra"),
        (lambda b: b["items"][0].update(value=float("1e300")), "items[0].value"),
        (lambda b: b.update(message_id="bad id"), "message_id"),
        (lambda b: b.update(items=[]), "items"),
    ],
)
def test_malformed_batch_is_400_with_the_item_and_nothing_is_written(
    site: Site, token: str, energy_root: Path, mutate: Any, field: str
) -> None:
    from jiliang.monitoring.models import UploadBatch

    body = batch()
    mutate(body)
    answer = post(body, token)
    assert answer.status_code == 400, answer.content
    assert answer.json()["errors"][0]["field"] == field
    assert not energy_root.exists() or not list(energy_root.rglob("*.parquet"))
    assert UploadBatch.objects.count() == 0


@pytest.mark.parametrize("raw", [b"[]", b"null", b"{", b'"x"', b"{}"])
def test_a_body_that_is_no_batch_is_400(site: Site, token: str, raw: bytes) -> None:
    assert post(None, token, raw=raw).status_code == 400


def test_auth_token_scoped_to_the_enterprise(site: Site, energy_root: Path) -> None:
    from jiliang.accounts.models import ApiToken

    assert post(batch(), None).status_code == 401
    _, other = ApiToken.issue(site.users["other"], "not theirs")
    answer = post(batch(), other)
    assert answer.status_code == 403
    assert post(batch(user="NOBODY"), other).status_code == 404
    assert not energy_root.exists() or not list(energy_root.rglob("*.parquet"))


def test_signed_batches_where_the_enterprise_has_a_key(
    site: Site, token: str, energy_root: Path
) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    from jiliang.monitoring.ingest import canonical

    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
    site.energy_user.public_key = public
    site.energy_user.save()
    body = batch()
    assert post(body, token).status_code == 403  # unsigned
    body["signature"] = key.sign(canonical(body)).hex()
    answer = post(body, token)
    assert answer.status_code == 200, answer.content
    tampered = dict(body, message_id="m-0002")
    assert post(tampered, token).status_code == 403  # signature over another body
    # the signature covers the body without itself, whatever its key order
    reordered = json.dumps(dict(reversed(list(body.items()))))
    assert post(None, token, raw=reordered.encode()).json()["duplicate"] is True
