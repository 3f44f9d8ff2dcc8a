"""`jiliang ledger` commands that read the platform database (operator commands).

verify (full audit, exit 1 on any finding), prove RECORD, checkpoint, consistency OLD NEW,
sync (log certificates missing from the log), keys, and witness add-log / cosign / key.
They add themselves to the offline `ledger` sub-app (src/jiliang/cli/ledger.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from jiliang.cli.platform_commands import setup_django


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise typer.BadParameter(f"cannot read {what} {path}: {exc}") from None


def verify(
    checkpoint: Annotated[
        list[Path] | None,
        typer.Option(
            "--checkpoint",
            "-c",
            help="A signed checkpoint kept outside the database (repeatable): the stored "
            "log must still produce its root (catches truncation and rewrites).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    max_findings: Annotated[int, typer.Option(help="Stop listing after this many.")] = 1000,
) -> None:
    """Recompute every leaf, node and checkpoint from the database; name what is wrong."""
    setup_django()
    from jiliang.ledger import services

    external = [_read(p, "checkpoint") for p in checkpoint or []]
    report = services.audit(external, max_findings=max_findings)
    if as_json:
        doc = {
            "ok": report.ok,
            "entries": report.entries,
            "tree_size": report.tree_size,
            "root": report.root.hex(),
            "checkpoints_checked": report.checkpoints,
            "modified": report.indices("modified"),
            "deleted": report.indices("deleted"),
            "inserted": report.indices("inserted"),
            "findings": [
                {"kind": f.kind, "index": f.index, "detail": f.detail} for f in report.findings
            ],
        }
        typer.echo(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        typer.echo(
            f"entries {report.entries}, tree size {report.tree_size}, root {report.root.hex()}, "
            f"checkpoints checked {report.checkpoints}"
        )
        for kind in ("modified", "deleted", "inserted"):
            found = report.indices(kind)
            if found:
                typer.echo(f"{kind.upper()} records: {', '.join(str(i) for i in found)}")
        for f in report.findings:
            typer.echo(f"FAIL {f.kind} {f.index if f.index >= 0 else ''}: {f.detail}")
        typer.echo("LEDGER OK" if report.ok else "LEDGER NOT OK")
    if not report.ok:
        raise typer.Exit(1)


def prove(
    record: Annotated[str, typer.Argument(help="Leaf index, or a certificate number.")],
    out: Annotated[
        Path | None,
        typer.Option(help="Write record.json, proof.json, checkpoint.txt into this directory."),
    ] = None,
) -> None:
    """Inclusion proof of RECORD with the latest signed checkpoint (for verify-proof)."""
    setup_django()
    from jiliang.ledger import services

    try:
        bundle = services.prove_entry(services.find_entry(record))
    except services.LedgerError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "record.json").write_text(bundle.entry.record, encoding="utf-8")
        (out / "proof.json").write_text(bundle.proof.to_json(), encoding="utf-8")
        (out / "checkpoint.txt").write_text(bundle.checkpoint.note, encoding="utf-8")
    typer.echo(json.dumps(bundle.as_dict(), indent=2, ensure_ascii=False))


def checkpoint() -> None:
    """Sign the current tree head with the instance key; print the signed checkpoint."""
    setup_django()
    from jiliang.ledger import services

    typer.echo(services.sign_checkpoint_now().note, nl=False)


def consistency(
    old: Annotated[int, typer.Argument(help="Older tree size.")],
    new: Annotated[int | None, typer.Argument(help="Newer tree size (default: current).")] = None,
) -> None:
    """Consistency proof (jiliang-proof/v1 JSON) that tree NEW extends tree OLD."""
    setup_django()
    from jiliang.ledger import services

    try:
        proof = services.consistency_proof(old, new)
    except services.LedgerError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(proof.to_json(), nl=False)


def sync() -> None:
    """Log every issued certificate that is not in the log yet (catch-up after a crash)."""
    setup_django()
    from jiliang.ledger.records import sync_certificates

    typer.echo(f"logged {sync_certificates()} certificate(s)")


def keys() -> None:
    """Print the published key list (log and witness keys) as JSON."""
    setup_django()
    from jiliang.ledger import services

    typer.echo(services.published_keys().to_json(), nl=False)


witness_app = typer.Typer(help="Witness other instances' logs (cosign consistent checkpoints).")


@witness_app.command("add-log")
def witness_add_log(
    origin: Annotated[str, typer.Argument(help="Origin line of the other log.")],
    vkey: Annotated[list[str], typer.Argument(help="Its log verifier key(s).")],
) -> None:
    """Start witnessing another log (its next checkpoint is trusted on first use)."""
    setup_django()
    from jiliang.ledger import services

    try:
        services.add_witnessed_log(origin, vkey)
    except services.LedgerError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"witnessing {origin}")


@witness_app.command("cosign")
def witness_cosign(
    checkpoint_file: Annotated[Path, typer.Argument(help="The other log's signed checkpoint.")],
    proof: Annotated[
        Path | None, typer.Option(help="Consistency proof from the last cosigned size.")
    ] = None,
) -> None:
    """Verify and cosign; print the cosigned note (exit 1 if refused)."""
    setup_django()
    from jiliang.ledger import services
    from jiliang.trust import ConsistencyProof, TrustError

    parsed = None
    if proof is not None:
        try:
            parsed = ConsistencyProof.from_json(_read(proof, "proof"))
        except TrustError as exc:
            raise typer.BadParameter(f"proof {proof}: {exc}") from None
    try:
        typer.echo(services.cosign(_read(checkpoint_file, "checkpoint"), parsed), nl=False)
    except services.LedgerError as exc:
        typer.echo(f"REFUSED {exc}", err=True)
        raise typer.Exit(1) from None


@witness_app.command("key")
def witness_key() -> None:
    """Print this instance's witness verifier key (give it to the log you witness)."""
    setup_django()
    from jiliang.ledger import keys as ledger_keys

    typer.echo(str(ledger_keys.witness_signer().verifier()))


def register(app: typer.Typer) -> None:
    """Add the database-backed commands to the `ledger` sub-app."""
    app.command("verify")(verify)
    app.command("prove")(prove)
    app.command("checkpoint")(checkpoint)
    app.command("consistency")(consistency)
    app.command("sync")(sync)
    app.command("keys")(keys)
    app.add_typer(witness_app, name="witness")
