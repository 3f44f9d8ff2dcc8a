"""The files of an issued MRV report: JSON (body + signature), Excel and PDF."""

from __future__ import annotations

import io
from typing import Any

import orjson
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from jiliang.monitoring.models import MrvReport

STATE_LABELS = {
    "verified": gettext_noop("检定有效"),
    "overdue": gettext_noop("超期未检"),
    "failed": gettext_noop("检定不合格"),
    "unregistered": gettext_noop("未登记"),
}


def render_json(report: MrvReport) -> bytes:
    """The body exactly as signed, with its hash, signature, key id and log index."""
    return orjson.dumps(
        {
            "body": report.body,
            "sha256": report.sha256,
            "signature": report.signature,
            "key_id": report.key_id,
            "leaf_index": report.leaf_index,
        },
        option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS,
    )


def _context(report: MrvReport) -> dict[str, Any]:
    body = report.body
    completeness = body.get("completeness") or {}
    meters = [
        {
            **m,
            "state_label": _(STATE_LABELS.get(m["state_at_end"], m["state_at_end"])),
            "completeness": (
                f"{completeness[m['point']] * 100:.1f} %" if m["point"] in completeness else "—"
            ),
        }
        for m in body.get("meters", [])
    ]
    return {
        "r": report,
        "b": body,
        "energy": sorted((body.get("energy") or {}).items()),
        "emissions": sorted((body.get("emissions") or {}).items()),
        "meters": meters,
    }


def render_pdf(report: MrvReport) -> bytes:
    from weasyprint import HTML

    html = render_to_string("monitoring/report_pdf.html", _context(report))
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


def render_xlsx(report: MrvReport) -> bytes:
    """Sheets: report (identity, totals), energy, emissions, meters."""
    from openpyxl import Workbook

    body = report.body
    book = Workbook()
    info = book.active
    info.title = "report"
    for key in ("user", "institution", "uscc", "period", "from", "to", "version", "reason"):
        info.append([key, body.get(key)])
    info.append(["tce", body.get("tce")])
    info.append(["tce_u", body.get("tce_u")])
    co2 = body.get("co2") or {}
    for key in ("value", "u", "U", "k", "method"):
        info.append([f"co2.{key}", co2.get(key)])
    info.append(["verified_share", body.get("verified_share")])
    coefficients = body.get("coefficients") or {}
    info.append(["coefficients", coefficients.get("document")])
    info.append(["electricity_basis", coefficients.get("electricity_basis")])
    info.append(["sha256", report.sha256])
    info.append(["signature", report.signature])
    info.append(["key_id", report.key_id])
    info.append(["leaf_index", report.leaf_index])
    energy = book.create_sheet("energy")
    energy.append(["variety", "quantity", "unit", "tce", "verified_share"])
    for name, row in sorted((body.get("energy") or {}).items()):
        energy.append([name, row["quantity"], row["unit"], row["tce"], row["verified_share"]])
    emissions = book.create_sheet("emissions")
    emissions.append(
        ["scope", "variety", "activity", "unit", "correction_added", "factor", "co2", "u"]
    )
    for scope, rows in sorted((body.get("emissions") or {}).items()):
        for row in rows:
            emissions.append(
                [
                    scope,
                    row["variety"],
                    row["activity"],
                    row["unit"],
                    row["correction_added"],
                    row["factor_source"],
                    row["co2"],
                    row["u"],
                ]
            )
    meters = book.create_sheet("meters")
    meters.append(["point", "instrument", "accuracy_class_percent", "state_at_end", "certificate"])
    for m in body.get("meters", []):
        meters.append(
            [
                m["point"],
                m["instrument"],
                m["accuracy_class_percent"],
                m["state_at_end"],
                m["certificate"],
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
