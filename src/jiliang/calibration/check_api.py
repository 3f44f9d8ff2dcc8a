"""Public certificate check API (证书查验), no login: /api/check and /api/check/file.

Answers: 200 with the essentials, state and log verification; 404 with one and the same body
for an unknown number and for a wrong check code; 429 with Retry-After past the rate limit
(`check.rate_limit`, per client address); 413 for an upload over the limit, 400 for a file
that is neither a PDF nor a DCC. docs/check.md describes every field.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile

from jiliang.calibration import check
from jiliang.registry.schemas import ErrorOut

router = Router(tags=["check"])


class CheckIn(Schema):
    """A certificate number and the check code printed beside its QR code."""

    number: str
    code: str


def _json(body: dict[str, Any], status: int) -> HttpResponse:
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def _too_many(retry_after: int) -> HttpResponse:
    tries, window = check.rate_limit()
    response = _json(
        {
            "detail": f"查验过于频繁，请 {retry_after} 秒后再试 Too many checks from this address "
            f"({tries} per {window} s); try again in {retry_after} s",
            "errors": [],
        },
        429,
    )
    response["Retry-After"] = str(retry_after)
    return response


def _answer(request: HttpRequest, number: str, code: str) -> HttpResponse:
    wait = check.rate_limited(request)
    if wait is not None:
        return _too_many(wait)
    result = check.lookup(number, code)
    if result is None:
        return _json({"detail": check.NO_MATCH, "errors": []}, 404)
    return _json(result.as_dict(), 200)


ANSWERS: dict[int, Any] = {200: dict[str, Any], 404: ErrorOut, 429: ErrorOut}


@router.get("", auth=None, url_name="check_get", response=ANSWERS)
def check_get(request: HttpRequest, number: str, code: str) -> HttpResponse:
    """Check a certificate by number and check code (the QR code's query, as JSON)."""
    return _answer(request, number, code)


@router.post("", auth=None, url_name="check_post", response=ANSWERS)
def check_post(request: HttpRequest, payload: CheckIn) -> HttpResponse:
    """Check a certificate by number and check code."""
    return _answer(request, payload.number, payload.code)


@router.post(
    "/file",
    auth=None,
    url_name="check_file",
    response={200: dict[str, Any], 400: ErrorOut, 413: ErrorOut, 429: ErrorOut},
)
def check_upload(
    request: HttpRequest,
    file: UploadedFile = File(...),  # noqa: B008
    signature: UploadedFile | None = File(None),  # noqa: B008
    number: str = Form(""),
    code: str = Form(""),
) -> HttpResponse:
    """Check an uploaded PDF or DCC (and its detached signature, if given) against what the
    platform issued: `genuine`, else `reasons` says exactly what is wrong."""
    wait = check.rate_limited(request)
    if wait is not None:
        return _too_many(wait)
    try:
        data, name = check.read_upload(file)
        bundle = ""
        if signature is not None:
            raw = signature.read(64 * 1024 + 1)
            if len(raw) > 64 * 1024:
                raise check.UploadRefused("签名文件过大 The signature file is over 64 KiB", 413)
            bundle = raw.decode("utf-8", errors="replace")
        verdict = check.check_file(data, name, signature=bundle, number=number, code=code)
    except check.UploadRefused as exc:
        return _json({"detail": exc.message, "errors": [{"field": "file", "reason": exc.message}]},
                     exc.status)  # fmt: skip
    return _json(verdict.as_dict(), 200)
