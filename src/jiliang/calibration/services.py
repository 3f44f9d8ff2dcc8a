"""Business rules of verification and calibration work, shared by the pages, the API and the CLI.

Every function takes the acting user and checks that the user may act; bad input raises a
Django ValidationError keyed by field (row/point where it applies) and changes nothing.

This module is the one name the callers import; the rules live by responsibility in
access.py (who may see and act), procedure_records.py, receipt.py (receipt, standards,
conditions), results.py (observations, decisions, readiness), signing.py, issuing.py
(numbers, certificate, documents), recalls.py and returns.py.
"""

from __future__ import annotations

from jiliang.calibration.access import (
    certificates_visible_to,
    is_lab_staff,
    jobs_visible_to,
    require_lab_staff,
)
from jiliang.calibration.dcc_import import import_dcc
from jiliang.calibration.decisions import Conclusion
from jiliang.calibration.issuing import (
    _issue,
    _next_number,
    check_pattern,
    configure_numbering,
    document,
    find_certificate,
)
from jiliang.calibration.models import SignatureEvent
from jiliang.calibration.procedure_records import (
    add_procedure,
    load_builtin_procedures,
    parsed,
    procedures_for,
)
from jiliang.calibration.recalls import (
    close_recall,
    open_recall,
    update_recall_item,
)
from jiliang.calibration.receipt import (
    Candidate,
    _editable,
    candidate_standards,
    create_job,
    environment_problems,
    job_parameters,
    set_conditions,
    set_standards,
    test_points,
)
from jiliang.calibration.results import (
    InputSpec,
    _compute,
    _rule,
    conclusion,
    final_observations,
    read_spreadsheet,
    readiness_problems,
    record_observations,
    required_inputs,
    rule_text,
)
from jiliang.calibration.returns import (
    return_job,
    return_problems,
)
from jiliang.calibration.signing import (
    NEXT_STATUS,
    STATUS_STEP,
    STEP_ROLE,
    current_round,
    reject,
    sign,
    signatories,
    signer_problems,
)
from jiliang.calibration.values import (
    _number,
    convert,
)

__all__ = [
    "NEXT_STATUS",
    "STATUS_STEP",
    "STEP_ROLE",
    "Candidate",
    "Conclusion",
    "InputSpec",
    "SignatureEvent",
    "_compute",
    "_editable",
    "_issue",
    "_next_number",
    "_number",
    "_rule",
    "add_procedure",
    "candidate_standards",
    "certificates_visible_to",
    "check_pattern",
    "close_recall",
    "conclusion",
    "configure_numbering",
    "convert",
    "create_job",
    "current_round",
    "document",
    "environment_problems",
    "final_observations",
    "find_certificate",
    "import_dcc",
    "is_lab_staff",
    "job_parameters",
    "jobs_visible_to",
    "load_builtin_procedures",
    "open_recall",
    "parsed",
    "procedures_for",
    "read_spreadsheet",
    "readiness_problems",
    "record_observations",
    "reject",
    "require_lab_staff",
    "required_inputs",
    "return_job",
    "return_problems",
    "rule_text",
    "set_conditions",
    "set_standards",
    "sign",
    "signatories",
    "signer_problems",
    "test_points",
    "update_recall_item",
]
