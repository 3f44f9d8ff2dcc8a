"""Files uploaded to the calibration app, bounded where they enter (web page, API and CLI).

Why: a 200 MB DCC was accepted and parsed, and an observations workbook was unzipped in
memory whatever it expanded to. Each kind of file has one limit in `jiliang.bounds`
(MAX_DCC_BYTES, MAX_PROCEDURE_BYTES, MAX_OBSERVATIONS_BYTES); the size is checked before the
file is read and never more than the limit plus one byte is read, so an upload whose declared
size is not the truth is refused too. A workbook's zip is checked before openpyxl opens it.
Every refusal is a ValidationError on "file" naming the file (400 from the API, a message on
the page, an error line from the CLI), so nothing is changed.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Protocol

from django.core.exceptions import ValidationError

from jiliang import bounds
from jiliang.registry import workbooks


class Upload(Protocol):
    """What the page (Django) and the API (django-ninja) hand over: an UploadedFile."""

    name: str | None
    size: int | None

    def read(self, size: int = ..., /) -> bytes: ...


def _refuse(name: str, reason: str) -> ValidationError:
    return ValidationError({"file": f"{name}: {reason}"})


def read_bounded(upload: Upload | Path, limit: int, what: str) -> tuple[bytes, str]:
    """The bytes and base name of an upload (or a file given to the CLI) of at most `limit`."""
    if isinstance(upload, Path):
        name, size = upload.name, upload.stat().st_size
    else:
        name, size = Path(upload.name or "upload").name, upload.size
    too_large = bounds.upload_too_large(size, limit, f"the {what}")
    if too_large:
        raise _refuse(name, too_large)
    if isinstance(upload, Path):
        with upload.open("rb") as handle:
            data = handle.read(limit + 1)
    else:
        data = upload.read(limit + 1)
    if len(data) > limit:
        raise _refuse(name, f"the {what} is over {limit:,} bytes, the limit")
    return data, name


def dcc_bytes(upload: Upload | Path) -> tuple[bytes, str]:
    """A DCC (XML) to import: at most `bounds.MAX_DCC_BYTES`."""
    return read_bounded(upload, bounds.MAX_DCC_BYTES, "DCC")


def procedure_text(upload: Upload) -> tuple[str, str]:
    """A procedure (YAML) a laboratory uploads: at most `bounds.MAX_PROCEDURE_BYTES`."""
    data, name = read_bounded(upload, bounds.MAX_PROCEDURE_BYTES, "procedure file")
    return data.decode("utf-8", errors="replace"), name


def observation_rows(upload: Upload) -> list[dict[str, object]]:
    """Rows of an observations workbook: size and zip checked before openpyxl reads it."""
    from jiliang.calibration import services

    data, name = read_bounded(upload, bounds.MAX_OBSERVATIONS_BYTES, "workbook")
    try:
        workbooks.check_archive(io.BytesIO(data), bounds.MAX_OBSERVATIONS_UNCOMPRESSED)
        # rows numbered up to 10^11 or a <dimension> of 16,384 columns would make the loader
        # below build that many cells; one streamed pass first bounds both
        workbooks.check_sheet(io.BytesIO(data), bounds.MAX_OBSERVATIONS_ROWS)
    except workbooks.WorkbookRefused as exc:
        raise _refuse(name, str(exc)) from None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, KeyError) as exc:
        raise _refuse(name, f"not an .xlsx workbook ({type(exc).__name__})") from None
    except (SyntaxError, IndexError, TypeError) as exc:  # openpyxl on damaged sheet XML
        raise _refuse(name, f"not an .xlsx workbook ({type(exc).__name__})") from None
    return services.read_spreadsheet(data, name)
