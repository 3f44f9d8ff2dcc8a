"""`jiliang certificate` commands: export and import certificates, verify signatures offline.

`verify` needs no database: the file, its detached signature (FILE.sig) and the issuing
institution's public key are enough. `verify-xml` checks the enveloped XML-DSig that a DCC from
elsewhere may carry. Exit status: 0 valid, 1 verification failed, 2 bad input.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(help="certificate commands.", no_args_is_help=True)


class _LazyConsole:
    """A rich Console made on first use: importing rich.console costs `--help` ~0.1-0.2 s
    (issue 13 §6: help in under half a second), and help never prints through it."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return getattr(self._console, name)


console = _LazyConsole()
err = _LazyConsole(stderr=True, soft_wrap=True)  # one message a line, however narrow

UserOption = Annotated[
    str, typer.Option("--user", envvar="JILIANG_USER", help="act as this platform user")
]


class Format(StrEnum):
    pdf = "pdf"
    dcc = "dcc"


def _django_errors(exc: Exception) -> str:
    from django.core.exceptions import ValidationError

    if isinstance(exc, ValidationError) and hasattr(exc, "message_dict"):
        return "; ".join(f"{k}: {' / '.join(v)}" for k, v in exc.message_dict.items())
    return str(exc)


@app.command()
def export(
    number: Annotated[str, typer.Argument(help="certificate number")],
    format: Annotated[Format, typer.Option("--format", help="pdf or dcc")],
    output: Annotated[Path, typer.Option("--output", help="file to write")],
    user: UserOption = "",
) -> None:
    """Write an issued certificate (signed PDF or DCC XML) and its signature FILE.sig."""
    from jiliang.cli.platform_commands import _user, setup_django

    setup_django()
    from django.core.exceptions import ValidationError

    from jiliang.calibration import services

    acting = _user(user)
    try:
        certificate = services.find_certificate(acting, number)
        doc = services.document(certificate, format.value)
    except ValidationError as exc:
        err.print(f"[red]error:[/] {_django_errors(exc)}")
        raise typer.Exit(2) from None
    output.write_bytes(bytes(doc.content))
    signature = output.with_name(output.name + ".sig")
    signature.write_text(doc.signature, encoding="utf-8")
    console.print(f"wrote {output} ({len(bytes(doc.content))} bytes) and {signature}")


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="DCC XML file from another laboratory")],
    instrument: Annotated[
        int | None, typer.Option("--instrument", help="instrument id when the serial is ambiguous")
    ] = None,
    user: UserOption = "",
) -> None:
    """Import a DCC: validated against the XSD, then linked to your instrument as an external
    certificate in the traceability graph."""
    if not file.is_file():
        err.print(f"[red]error:[/] {file}: no such file")
        raise typer.Exit(2)
    from jiliang.cli.platform_commands import _user, setup_django

    setup_django()
    from django.core.exceptions import PermissionDenied, ValidationError

    from jiliang.calibration import services, uploads

    acting = _user(user)
    try:
        data, _ = uploads.dcc_bytes(file)  # bounded: bounds.MAX_DCC_BYTES
        cert = services.import_dcc(acting, data, file.name, instrument)
    except (ValidationError, PermissionDenied) as exc:
        err.print(f"[red]error:[/] {file.name}: {_django_errors(exc)}")
        raise typer.Exit(1) from None
    console.print(
        f"imported {cert.number} from {cert.external_issuer} for {cert.instrument} "
        f"(sha256 {cert.external_document_sha256[:16]}…)"
    )
    signature = cert.dcc_signature
    console.print(f"XML signature: {_signature_line(signature.state, signature.signer_subject)}")
    if signature.key_fingerprint:
        console.print(f"  certificate SHA-256 {signature.key_fingerprint}")
    if signature.reason:
        console.print(f"  {signature.reason}", markup=False)


_STATES = {
    "valid": "[green]valid[/]",
    "untrusted": "[yellow]valid signature, untrusted key[/]",
    "invalid": "[red]INVALID[/]",
    "absent": "none (the file carries no XML-DSig)",
}


def _signature_line(state: str, subject: str) -> str:
    from rich.markup import escape

    return _STATES[state] + (f" — {escape(subject)}" if subject else "")


@app.command("verify-xml")
def verify_xml(
    file: Annotated[Path, typer.Argument(help="DCC XML file")],
    trusted: Annotated[
        Path | None,
        typer.Option("--trusted", help="PEM file of trusted signer or CA certificates"),
    ] = None,
) -> None:
    """Check the enveloped XML-DSig of a DCC offline: valid, valid with an untrusted key,
    invalid or absent (our own files carry a detached Ed25519 signature instead: `verify`)."""
    from cryptography import x509

    from jiliang import dcc

    for path, what in ((file, "file"), (trusted, "trusted certificates")):
        if path is not None and not path.is_file():
            err.print(f"[red]error:[/] {what} {path}: no such file")
            raise typer.Exit(2)
    try:
        anchors = x509.load_pem_x509_certificates(trusted.read_bytes()) if trusted else []
    except ValueError as exc:
        err.print(f"[red]error:[/] trusted certificates {trusted}: {exc}")
        raise typer.Exit(2) from None
    try:
        check = dcc.verify_xml_signature(file.read_bytes(), anchors, source=file.name)
    except dcc.DccError as exc:
        err.print(f"[red]error:[/] {exc}", markup=False)
        raise typer.Exit(2) from None
    line = f"{file.name}: XML signature {_signature_line(check.state.value, check.subject)}"
    (console if check.state is not dcc.SignatureState.INVALID else err).print(line)
    if check.fingerprint:
        console.print(f"  certificate SHA-256 {check.fingerprint}")
    if check.reason:
        console.print(f"  {check.reason}", markup=False)
    if check.state is dcc.SignatureState.INVALID:
        raise typer.Exit(1)


@app.command()
def verify(
    file: Annotated[Path, typer.Argument(help="the certificate file (PDF or DCC XML)")],
    public_key: Annotated[
        Path, typer.Option("--public-key", help="issuing institution's public key (PEM)")
    ],
    signature: Annotated[
        Path | None, typer.Option("--signature", help="signature bundle (default FILE.sig)")
    ] = None,
) -> None:
    """Check a certificate's signature and integrity offline; says exactly what is wrong."""
    from jiliang import dcc

    bundle_path = signature or file.with_name(file.name + ".sig")
    for path, what in ((file, "file"), (bundle_path, "signature"), (public_key, "public key")):
        if not path.is_file():
            err.print(f"[red]error:[/] {what} {path}: no such file")
            raise typer.Exit(2)
    try:
        key = dcc.public_key_from_pem(public_key.read_bytes())
        bundle = dcc.SignatureBundle.from_json(bundle_path.read_bytes())
    except dcc.DccError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None
    given = dcc.key_id(key)
    result = dcc.verify_file_bytes(file.read_bytes(), bundle, {given: key})
    if result.ok:
        console.print(f"[green]OK[/] {file.name}: {result.message}")
        return
    message = result.message
    if result.problem is dcc.Problem.UNKNOWN_KEY:
        message = (
            f"wrong or unknown key: the signature was made with key {bundle.key_id} "
            f"({bundle.institution}), the public key given is {given}"
        )
    err.print(f"[red]FAILED[/] {file.name}: {message}")
    raise typer.Exit(1)
