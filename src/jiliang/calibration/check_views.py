"""The public check page /check/ (证书查验): number + check code, the QR code's URL, uploads.

No login; the same service (calibration.check) and rate limit as the API. A 429 page carries
Retry-After, an oversize upload answers 413 with the message on the page.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from jiliang.calibration import check


def _page(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    tries, window = check.rate_limit()
    context.setdefault("number", "")
    context.setdefault("code", "")
    context["limit"] = {"tries": tries, "minutes": max(1, window // 60)}
    context["max_mb"] = check.MAX_UPLOAD_BYTES // (1024 * 1024)
    return render(request, "check/check.html", context, status=status)


def _too_many(request: HttpRequest, wait: int, context: dict[str, Any]) -> HttpResponse:
    context["error"] = _("查验过于频繁，请 %(wait)s 秒后再试") % {"wait": wait}
    response = _page(request, context, 429)
    response["Retry-After"] = str(wait)
    return response


@require_http_methods(["GET", "POST"])
def check_page(request: HttpRequest) -> HttpResponse:
    """GET with number and code (typed, or the QR code's URL) checks; POST checks a file."""
    if request.method == "POST":
        return _upload(request)
    number = request.GET.get("number", "").strip()
    code = request.GET.get("code", "").strip()
    context: dict[str, Any] = {"number": number[:60], "code": code[:20]}
    if not number and not code:
        return _page(request, context)
    wait = check.rate_limited(request)
    if wait is not None:
        return _too_many(request, wait, context)
    result = check.lookup(number, code)
    if result is None:
        context["error"] = check.NO_MATCH
        return _page(request, context, 404)
    context["result"] = result
    return _page(request, context)


def _upload(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"upload": True}
    wait = check.rate_limited(request)
    if wait is not None:
        return _too_many(request, wait, context)
    upload = request.FILES.get("file")
    if upload is None:
        context["file_error"] = _("请选择要查验的文件")
        return _page(request, context, 400)
    try:
        data, name = check.read_upload(upload)
        bundle = ""
        sig = request.FILES.get("signature")
        if sig is not None:
            raw = sig.read(64 * 1024 + 1)
            if len(raw) > 64 * 1024:
                raise check.UploadRefused(_("签名文件过大（超过 64 KiB）"), 413)
            bundle = raw.decode("utf-8", errors="replace")
        verdict = check.check_file(
            data,
            name,
            signature=bundle,
            number=request.POST.get("number", "")[:60],
            code=request.POST.get("code", "")[:20],
        )
    except check.UploadRefused as exc:
        context["file_error"] = exc.message
        return _page(request, context, exc.status)
    context["verdict"] = verdict
    context["file_name"] = name
    context["result"] = verdict.result
    return _page(request, context)
