"""Benchmark jiliang.dcc: schema load, export with validation, import, sign and verify.

Run: .venv/bin/python benchmarks/dcc_roundtrip.py [--points 100] [--repeat 20]
Builds a certificate with N test points, each as found and as left (2N results).
Prints figures; nothing is asserted (see docs/benchmarks/dcc.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from decimal import Decimal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jiliang.dcc import (
    Address,
    Certificate,
    Contact,
    ExpandedUncertainty,
    Identification,
    Item,
    Quantity,
    RespPerson,
    Result,
    Text,
    dcc_schema,
    parse_dcc,
    sign_file_bytes,
    to_xml,
    verify_file_bytes,
)


def certificate(points: int) -> Certificate:
    lab = Contact(Text.of(zh="计量所", en="Institute"), Address("Hangzhou", "CN"))
    results = []
    for i in range(points):
        for state in ("asFound", "asLeft"):
            u = ExpandedUncertainty(Decimal("0.12"), Decimal(2), Decimal("0.95"))
            error = Quantity(Text.of(en="Error"), Decimal(i) / 100, "\\gram", u)
            results.append(Result(Text.of(en=f"Point {i}"), (error,), state))
    return Certificate(
        number="BENCH-1",
        laboratory=lab,
        customer=lab,
        items=(Item(Text.of(en="Scale"), (Identification("manufacturer", "SN1"),)),),
        resp_persons=(RespPerson(Text.of(plain="A"), "verifier"),),
        begin_performance_date=dt.date(2026, 1, 1),
        end_performance_date=dt.date(2026, 1, 1),
        results=tuple(results),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    start = time.perf_counter()
    dcc_schema()
    print(f"schema load (dcc.xsd + D-SI + XML-DSig): {time.perf_counter() - start:.2f} s (once)")
    cert = certificate(args.points)
    start = time.perf_counter()
    for _ in range(args.repeat):
        xml = to_xml(cert)
    export = (time.perf_counter() - start) / args.repeat
    size = f"{len(xml):,} bytes"
    print(f"export + XSD validation, {2 * args.points} results: {1000 * export:.1f} ms ({size})")
    start = time.perf_counter()
    for _ in range(args.repeat):
        parse_dcc(xml)
    imported = (time.perf_counter() - start) / args.repeat
    print(f"import (defusedxml + XSD + extract): {1000 * imported:.1f} ms")
    key = Ed25519PrivateKey.generate()
    when = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    start = time.perf_counter()
    for _ in range(args.repeat):
        bundle = sign_file_bytes(xml, key, "Institute", when)
    signed = (time.perf_counter() - start) / args.repeat
    keys = {bundle.key_id: key.public_key()}
    start = time.perf_counter()
    for _ in range(args.repeat):
        assert verify_file_bytes(xml, bundle, keys).ok
    verified = (time.perf_counter() - start) / args.repeat
    print(f"sign: {1000 * signed:.2f} ms, verify: {1000 * verified:.2f} ms")


if __name__ == "__main__":
    main()
