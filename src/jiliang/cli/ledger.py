"""`jiliang ledger` commands that work offline, from files only (no Django, no database).

The database-backed `ledger verify` / `ledger prove` commands are added by the platform;
they call jiliang.trust.audit_log and MerkleLog over their own NodeStore.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:  # jiliang.trust loads cryptography: imported in the commands, so --help is fast
    from jiliang.trust import KeyRing, VerificationReport

app = typer.Typer(
    help="Transparency-log tools that need only files: verify proofs offline, hash records.",
    no_args_is_help=True,
)


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise typer.BadParameter(f"cannot read {what} {path}: {exc.strerror}") from None


def _keys(values: list[str], role: str) -> KeyRing:
    """Each value is a vkey string, a key-list JSON file, or a file with one vkey per line."""
    from jiliang.trust import KeyEntry, KeyRing, TrustError, VerifierKey

    entries: list[KeyEntry] = []
    for value in values:
        path = Path(value)
        try:
            if path.is_file():
                text = path.read_text(encoding="utf-8")
                ring = (
                    KeyRing.from_json(text)
                    if text.lstrip().startswith("{")
                    else KeyRing.from_text(text, role)
                )
                entries.extend(ring.entries)
            else:
                entries.append(KeyEntry(VerifierKey.parse(value), role))
        except (TrustError, OSError, UnicodeDecodeError) as exc:
            raise typer.BadParameter(f"public key {value!r}: {exc}") from None
    try:
        return KeyRing(entries)
    except TrustError as exc:
        raise typer.BadParameter(str(exc)) from None


def _print_report(report: VerificationReport) -> None:
    for check in report.checks:
        mark = "OK  " if check.ok else "FAIL"
        typer.echo(f"{mark} {check.step}: {check.detail}")
    typer.echo("VERIFIED" if report.ok else "NOT VERIFIED")
    if not report.ok:
        raise typer.Exit(1)


PublicKeys = Annotated[
    list[str],
    typer.Option(
        "--public-key",
        "-k",
        help="Log verifier key (name+id+base64), or a file: key list JSON or one vkey a line.",
    ),
]


@app.command("verify-proof")
def verify_proof(
    public_key: PublicKeys,
    record: Annotated[Path, typer.Option(help="The record (JSON, any layout).")],
    proof: Annotated[Path, typer.Option(help="Inclusion proof (jiliang-proof/v1 JSON).")],
    checkpoint: Annotated[Path, typer.Option(help="Signed checkpoint (C2SP signed note).")],
    origin: Annotated[str | None, typer.Option(help="Expected log origin line.")] = None,
    witness_key: Annotated[
        list[str] | None, typer.Option("--witness-key", help="Witness cosigner vkey or file.")
    ] = None,
    min_witnesses: Annotated[int, typer.Option(help="Cosignatures required.")] = 0,
) -> None:
    """Check offline that RECORD is in the log signed by PUBLIC_KEY (exit 1 if not)."""
    from jiliang.trust import verify_record_offline

    keys = _keys(public_key, "log")
    witnesses = _keys(witness_key, "witness") if witness_key else None
    report = verify_record_offline(
        _read(record, "record"),
        _read(proof, "proof"),
        _read(checkpoint, "checkpoint"),
        keys,
        origin=origin,
        witness_keys=witnesses,
        min_witnesses=min_witnesses,
    )
    _print_report(report)


@app.command("verify-consistency")
def verify_consistency_cmd(
    public_key: PublicKeys,
    old: Annotated[Path, typer.Option(help="Older signed checkpoint.")],
    new: Annotated[Path, typer.Option(help="Newer signed checkpoint.")],
    proof: Annotated[Path, typer.Option(help="Consistency proof (jiliang-proof/v1 JSON).")],
    origin: Annotated[str | None, typer.Option(help="Expected log origin line.")] = None,
) -> None:
    """Check offline that the NEW checkpoint's log extends the OLD one (exit 1 if not)."""
    from jiliang.trust import verify_consistency_offline

    report = verify_consistency_offline(
        _read(old, "old checkpoint"),
        _read(new, "new checkpoint"),
        _read(proof, "proof"),
        _keys(public_key, "log"),
        origin=origin,
    )
    _print_report(report)


@app.command("leaf-hash")
def leaf_hash_cmd(
    record: Annotated[Path, typer.Argument(help="The record (JSON, any layout).")],
    show_canonical: Annotated[bool, typer.Option(help="Also print the canonical bytes.")] = False,
) -> None:
    """Print the RFC 9162 leaf hash (hex) of a record's canonical serialisation."""
    from jiliang.trust import LogRecord, TrustError

    try:
        rec = LogRecord.from_json(_read(record, "record"))
    except TrustError as exc:
        typer.echo(f"FAIL record: {exc}", err=True)
        raise typer.Exit(1) from None
    if show_canonical:
        typer.echo(rec.canonical_bytes().decode("utf-8"))
    typer.echo(rec.leaf_hash().hex())


@app.command("keygen")
def keygen(
    name: Annotated[str, typer.Argument(help="Key name, e.g. the log origin 'cnas.example/log'.")],
    out: Annotated[Path, typer.Option(help="File for the SECRET signer key (created 0600).")],
    witness: Annotated[bool, typer.Option(help="Make a cosignature/v1 witness key.")] = False,
) -> None:
    """Create an Ed25519 signer key; print the verifier key to publish."""
    from jiliang.trust import ED25519, ED25519_COSIGNATURE, SignerKey, TrustError

    try:
        signer = SignerKey.generate(name, ED25519_COSIGNATURE if witness else ED25519)
    except TrustError as exc:
        raise typer.BadParameter(str(exc)) from None
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise typer.BadParameter(f"cannot create {out}: {exc.strerror}") from None
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(signer.to_string() + "\n")
    typer.echo(str(signer.verifier()))
