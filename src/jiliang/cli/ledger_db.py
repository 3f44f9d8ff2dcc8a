"""`jiliang ledger` commands that read the platform database (operator commands).

verify (full audit, exit 1 on any finding), prove RECORD, checkpoint, consistency OLD NEW,
sync (log certificates missing from the log), keys, and witness add-log / cosign / key.
They add themselves to the offline `ledger` sub-app (src/jiliang/cli/ledger.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from jiliang.cli.platform_commands import setup_django


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise typer.BadParameter(f"cannot read {what} {path}: {exc}") from None


_KIND_TITLES = {
    "modified": "modified records 记录被改",
    "deleted": "deleted records 记录被删",
    "inserted": "inserted records 记录被插入",
    "node": "tree nodes 树节点",
    "checkpoint": "checkpoints 检查点",
    "signature": "signatures 签名",
    "head": "tree head 树头",
    "registry": "registry differs from the log 登记库与日志不符",
    "access": "access columns differ from the record 访问列与记录不符",
    "unlogged": "unlogged certificates 未记入日志的证书",
}


def _audit_doc(report: Any) -> dict[str, Any]:
    def one(f: Any) -> dict[str, Any]:
        doc = {"kind": f.kind, "index": f.index, "detail": f.detail}
        if f.object:
            doc.update(object=f.object, field=f.field, logged=f.logged, current=f.current)
        return doc

    return {
        "ok": report.ok,
        "entries": report.entries,
        "tree_size": report.tree_size,
        "root": report.root.hex(),
        "checkpoints_checked": report.checkpoints,
        "modified": report.indices("modified"),
        "deleted": report.indices("deleted"),
        "inserted": report.indices("inserted"),
        "findings": [one(f) for f in report.findings],
        "warnings": [one(f) for f in report.warnings],
    }


def _print_audit(report: Any, strict: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False, soft_wrap=True)
    console.print(
        f"entries {report.entries}, tree size {report.tree_size}, root {report.root.hex()}, "
        f"checkpoints checked {report.checkpoints}",
        markup=False,
    )
    for kind in ("modified", "deleted", "inserted"):
        found = report.indices(kind)
        if found:
            console.print(f"{kind.upper()} records: {', '.join(str(i) for i in found)}")
    differences = [f for f in report.findings if f.object]
    if differences:
        table = Table(title="what the log holds vs. now 日志所记 与 现状", expand=False)
        for column in ("entry", "kind", "object", "field", "logged 日志", "now 现状"):
            table.add_column(column, overflow="fold")
        for f in differences:
            table.add_row(
                str(f.index), f.kind, f.object, f.field or "(deleted 已删除)",
                "—" if f.logged is None else f.logged,
                "—" if f.current is None else f.current,
            )  # fmt: skip
        console.print(table)
    for f in report.findings:
        where = f.index if f.index >= 0 else ""
        console.print(f"FAIL {f.kind} {where}: {f.detail}", markup=False)
    for w in report.warnings:
        console.print(f"WARN {w.detail}", markup=False)
    if not report.ok:
        counts: dict[str, int] = {}
        for f in report.findings:
            counts[f.kind] = counts.get(f.kind, 0) + 1
        summary = "; ".join(f"{_KIND_TITLES.get(k, k)}: {n}" for k, n in counts.items())
        console.print(f"LEDGER NOT OK 日志校验未通过 — {summary}", markup=False)
    elif report.warnings:
        verdict = "LEDGER NOT OK (--strict)" if strict else "LEDGER OK with warnings 有警告"
        console.print(f"{verdict}: {len(report.warnings)} warning(s)", markup=False)
    else:
        console.print("LEDGER OK 日志校验通过", markup=False)


def verify(
    checkpoint: Annotated[
        list[Path] | None,
        typer.Option(
            "--checkpoint",
            "-c",
            help="A signed checkpoint kept outside the database (repeatable), e.g. a "
            "witness's cosigned copy: the stored log must still produce its root (catches "
            "truncation and a consistent rewrite of the whole log).",
        ),
    ] = None,
    witness_key: Annotated[
        list[str] | None,
        typer.Option(
            "--witness-key",
            help="Witness verifier key: --checkpoint files must carry its "
            "cosignature (see --min-witnesses).",
        ),
    ] = None,
    min_witnesses: Annotated[
        int, typer.Option(help="Cosignatures each --checkpoint needs (default 1 with keys).")
    ] = -1,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    output_format: Annotated[
        str, typer.Option("--format", help="text or json (same as --json).")
    ] = "text",
    strict: Annotated[
        bool, typer.Option(help="Warnings fail too (no signed checkpoint covers the head).")
    ] = False,
    no_registry: Annotated[
        bool, typer.Option("--no-registry", help="Skip comparing the registry with the log.")
    ] = False,
    max_findings: Annotated[int, typer.Option(help="Stop listing after this many.")] = 1000,
) -> None:
    """Recompute every leaf, node and checkpoint from the database, compare each logged
    object with the registry; name what is wrong (exit 1 on any finding)."""
    if output_format not in ("text", "json"):
        raise typer.BadParameter(f"--format must be text or json, not {output_format!r}")
    if max_findings < 1:
        raise typer.BadParameter("--max-findings must be at least 1")
    setup_django()
    from jiliang.cli.ledger import _keys
    from jiliang.ledger import services

    external = [_read(p, "checkpoint") for p in checkpoint or []]
    witnesses = _keys(witness_key, "witness") if witness_key else None
    needed = (1 if witnesses else 0) if min_witnesses < 0 else min_witnesses
    report = services.audit(
        external,
        max_findings=max_findings,
        registry=not no_registry,
        witness_keys=witnesses,
        min_witnesses=needed,
    )
    if as_json or output_format == "json":
        typer.echo(json.dumps(_audit_doc(report), indent=2, ensure_ascii=False))
    else:
        _print_audit(report, strict)
    if not report.ok or (strict and report.warnings):
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


@witness_app.command("latest")
def witness_latest(
    origin: Annotated[str, typer.Argument(help="Origin line of the witnessed log.")],
) -> None:
    """Print the last checkpoint this witness cosigned for ORIGIN (give it to the log's
    auditors: `jiliang ledger verify --checkpoint FILE --witness-key VKEY` there)."""
    setup_django()
    from jiliang.ledger.models import WitnessedLog

    log = WitnessedLog.objects.filter(origin=origin).first()
    if log is None or not log.latest_note:
        typer.echo(f"error: origin: no cosigned checkpoint of {origin!r} here", err=True)
        raise typer.Exit(2)
    typer.echo(log.latest_note, nl=False)


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
