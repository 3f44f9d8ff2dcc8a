"""Importing an uploaded file (web page and API): the CLI's all-or-nothing importer.

The upload is written under its own base name into a temporary folder, so every problem names
the user's file ("scales.csv, row 17"), and the folder is removed afterwards. Its size is
checked before a byte is written (`bounds.MAX_IMPORT_BYTES`); the importer then bounds what a
workbook expands to, checks the header first and stops past `bounds.MAX_IMPORT_ROWS` rows.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile

from jiliang import bounds
from jiliang.registry.importers import ImportRejected, ImportResult, RowError, import_file

# The one limit of an import upload; kept under this name for the page, the API and tests.
MAX_UPLOAD_BYTES = bounds.MAX_IMPORT_BYTES


def import_upload(kind: str, upload: UploadedFile, user: Any) -> ImportResult:
    """Import an uploaded .csv/.xlsx file of `kind` for `user`; ImportRejected says why not."""
    name = Path(upload.name or "upload").name or "upload"  # the importer checks its type
    size = upload.size or 0
    if size > MAX_UPLOAD_BYTES:
        reason = f"is {size:,} bytes; the limit is {MAX_UPLOAD_BYTES:,} (split the file)"
        raise ImportRejected([RowError(name, 0, "file", reason)])
    with tempfile.TemporaryDirectory(prefix="jiliang-import-") as folder:
        path = Path(folder) / name
        written = 0
        with path.open("wb") as out:
            for chunk in upload.chunks():
                written += len(chunk)
                if written > MAX_UPLOAD_BYTES:  # a size that was not the truth
                    reason = f"is over {MAX_UPLOAD_BYTES:,} bytes, the limit (split the file)"
                    raise ImportRejected([RowError(name, 0, "file", reason)])
                out.write(chunk)
        return import_file(path, kind, user)
