"""Instance keys: never in the repository. Taken from the environment, else generated on
first use into DATA_DIR/keys (directory 0700, files 0600) and reused after that."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from django.conf import settings

from jiliang.trust import ED25519, ED25519_COSIGNATURE, SignerKey, TrustError

DEFAULT_ORIGIN = "jiliang.local/ledger"


class KeyStoreError(Exception):
    """A key file or key variable is unusable (named, with the reason)."""


def log_origin() -> str:
    """The log's origin line (C2SP checkpoint line 1); also the name of its key."""
    return (
        getattr(settings, "JILIANG_LOG_ORIGIN", "")
        or os.environ.get("JILIANG_LOG_ORIGIN", "")
        or DEFAULT_ORIGIN
    )


def key_dir() -> Path:
    return Path(settings.DATA_DIR) / "keys"


def load_or_create(env_var: str, filename: str, name: str, sig_type: int) -> SignerKey:
    """The signer key from env `env_var`, else from DATA_DIR/keys/filename (created 0600)."""
    text = os.environ.get(env_var, "").strip()
    if text:
        try:
            return SignerKey.parse(text)
        except TrustError as exc:
            raise KeyStoreError(f"environment variable {env_var}: {exc}") from None
    path = key_dir() / filename
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.parent.chmod(0o700)
        signer = SignerKey.generate(name, sig_type)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it first: read theirs below
        else:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(signer.to_string() + "\n")
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise KeyStoreError(f"key file {path} has mode {mode:o}; it must be 0600")
    try:
        return SignerKey.parse(path.read_text(encoding="utf-8"))
    except TrustError as exc:
        raise KeyStoreError(f"key file {path}: {exc}") from None


def log_signer() -> SignerKey:
    """The instance's log key (JILIANG_LOG_KEY or DATA_DIR/keys/log.key)."""
    return load_or_create("JILIANG_LOG_KEY", "log.key", log_origin(), ED25519)


def next_log_signer() -> SignerKey | None:
    """The incoming key during a rotation (JILIANG_LOG_KEY_NEXT or DATA_DIR/keys/log-next.key,
    never generated): while it exists, checkpoints are signed with both keys."""
    if (
        not os.environ.get("JILIANG_LOG_KEY_NEXT", "").strip()
        and not (key_dir() / "log-next.key").exists()
    ):
        return None
    return load_or_create("JILIANG_LOG_KEY_NEXT", "log-next.key", log_origin(), ED25519)


def witness_signer() -> SignerKey:
    """The instance's witness key (JILIANG_WITNESS_KEY or DATA_DIR/keys/witness.key)."""
    return load_or_create(
        "JILIANG_WITNESS_KEY", "witness.key", f"{log_origin()}/witness", ED25519_COSIGNATURE
    )
