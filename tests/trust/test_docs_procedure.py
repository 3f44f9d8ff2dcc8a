"""docs/trust.md section 4: the auditor's script (hashlib + cryptography only, no jiliang)
must accept a record jiliang logged and reject a changed one. This checks jiliang against an
independent implementation of RFC 9162, RFC 8785 (subset) and C2SP signed notes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from jiliang.trust import (
    Checkpoint,
    InclusionProof,
    LogRecord,
    MerkleLog,
    SignerKey,
    sign_checkpoint,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "trust.md"


def _script() -> str:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    (script,) = [b for b in blocks if "verify_offline.py" in b]
    return script


def test_auditor_script_from_the_docs(tmp_path: Path) -> None:
    key = SignerKey.generate("jiliang.example/log")
    records = [
        LogRecord("certificate.issued", 1, {"certificate": f"JL-{i}", "result": "10.000 0{i} g"})
        for i in range(7)
    ]
    log = MerkleLog()
    log.append_many(r.canonical_bytes() for r in records)
    signed = sign_checkpoint(Checkpoint("jiliang.example/log", log.size, log.root()), [key])
    script = tmp_path / "verify_offline.py"
    script.write_text(_script(), encoding="utf-8")
    (tmp_path / "checkpoint.txt").write_text(signed, encoding="utf-8")
    for index in (0, 4, 6):
        (tmp_path / "proof.json").write_text(
            InclusionProof(index, 7, tuple(log.inclusion_proof(index))).to_json()
        )
        value = records[index].to_json_value()
        (tmp_path / "record.json").write_text(json.dumps(value, indent=2), encoding="utf-8")
        args = [sys.executable, str(script), str(key.verifier()), "record.json", "proof.json",
                "checkpoint.txt"]  # fmt: skip
        ok = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True)
        assert ok.returncode == 0, ok.stderr
        assert ok.stdout.startswith(f"OK: record is leaf {index} ")
        value["body"]["result"] = "changed"
        (tmp_path / "record.json").write_text(json.dumps(value), encoding="utf-8")
        bad = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True)
        assert bad.returncode != 0 and "record is NOT in the log" in bad.stderr
