"""Institution signing keys: Ed25519, generated on first use under DATA_DIR/keys (mode 0600).

The private key never enters the repository or the database; the public key is published on
a page and through the API so that anyone can check a certificate offline.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

from jiliang.dcc import key_id


def key_dir() -> Path:
    return Path(settings.DATA_DIR) / "keys"


def _private_path(institution_id: int) -> Path:
    return key_dir() / f"institution-{institution_id}.ed25519.pem"


def private_key(institution_id: int) -> Ed25519PrivateKey:
    """The institution's private key; created (0600, atomically) when it does not exist yet."""
    path = _private_path(institution_id)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(path.parent, 0o700)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        try:
            os.link(tmp, path)  # fails if another process won the race: keep theirs
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ValueError(f"{path}: not an Ed25519 private key")
    return loaded


def public_key(institution_id: int) -> Ed25519PublicKey:
    return private_key(institution_id).public_key()


def public_key_pem(institution_id: int) -> bytes:
    return public_key(institution_id).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def public_key_id(institution_id: int) -> str:
    return key_id(public_key(institution_id))


def has_key(institution_id: int) -> bool:
    return _private_path(institution_id).exists()
