"""Error answers: styled pages for people, JSON for every `/api/` path (issue 13 §6).

Django's handler400/403/404/500 (set in urls.py) and ninja's "method not allowed" answer a
browser with a page (templates 403.html, 404.html, 500.html) and an API client with the
API's error body ``{"detail": ..., "errors": []}`` (openapi.ERROR_SCHEMA), so a client never
has to parse HTML. The 500 page is rendered without the request, the database or the
context processors: whatever broke the request must not break its error page.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.urls import URLPattern, URLResolver
from django.views import defaults

log = logging.getLogger(__name__)

API_PREFIX = "/api/"
SAFE_OPENAPI_METHODS = frozenset({"GET", "HEAD"})
_FALLBACK_500 = (
    '<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8"><title>500</title></head>'
    "<body><h1>500</h1><p>服务器内部错误 · Server error</p>"
    '<p><a href="/">首页 · Home</a></p></body></html>'
)


def is_api(request: HttpRequest) -> bool:
    """True for the API's paths (also under a SCRIPT_NAME prefix)."""
    return str(request.path_info).startswith(API_PREFIX)


def api_error(status: int, detail: str, **headers: str) -> JsonResponse:
    """The API's error body with STATUS."""
    response = JsonResponse({"detail": detail, "errors": []}, status=status)
    for name, value in headers.items():
        response[name] = value
    return response


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400: JSON under /api/, Django's plain page elsewhere."""
    if is_api(request):
        return api_error(400, "Bad Request")
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """403: JSON under /api/, the styled page elsewhere (with the reason when one is given)."""
    reason = str(exception) if exception and str(exception) else ""
    if is_api(request):
        return api_error(403, reason or "Forbidden")
    return render(request, "403.html", {"reason": reason}, status=403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404: JSON under /api/ (an unknown endpoint is not an HTML page), the styled page else."""
    if is_api(request):
        return api_error(404, "Not Found")
    return render(request, "404.html", {"request_path": request.path}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """500: JSON under /api/; elsewhere 500.html rendered from the template alone."""
    if is_api(request):
        return api_error(500, "Server Error")
    try:
        body = loader.get_template("500.html").render({})
    except Exception:  # the page of last resort must not fail: a fixed text instead
        log.exception("500.html could not be rendered")
        body = _FALLBACK_500
    return HttpResponse(body, status=500, content_type="text/html; charset=utf-8")


def _json_405(response: HttpResponseBase) -> HttpResponseBase:
    """ninja answers a wrong method with a text 405; the API answers JSON, keeping Allow."""
    if response.status_code != 405 or response.get("Content-Type", "").startswith(
        "application/json"
    ):
        return response
    allow = response.get("Allow", "")
    detail = f"Method Not Allowed; allowed: {allow}" if allow else "Method Not Allowed"
    return api_error(405, detail, Allow=allow)


def _wrap(view: Callable[..., HttpResponseBase], only: frozenset[str] | None) -> Any:
    """VIEW with its 405 answered as JSON; ONLY: the methods it accepts (the OpenAPI views
    of ninja accept any method)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if only is not None and request.method not in only:
            return api_error(
                405,
                f"Method Not Allowed; allowed: {', '.join(sorted(only))}",
                Allow=", ".join(sorted(only)),
            )
        return _json_405(view(request, *args, **kwargs))

    return wrapped


def json_api_urls(
    urls: tuple[list[URLPattern | URLResolver], str, str],
) -> tuple[list[URLPattern | URLResolver], str, str]:
    """ninja's ``api.urls`` with every view answering a wrong method by JSON 405.

    ninja builds its views sync unless an operation is async; jiliang has none, and an
    async view is left as it is rather than wrapped wrongly.
    """
    patterns, app_name, namespace = urls
    out: list[URLPattern | URLResolver] = []
    for pattern in patterns:
        if isinstance(pattern, URLPattern) and not _is_async(pattern.callback):
            only = (
                SAFE_OPENAPI_METHODS if pattern.name in ("openapi-json", "openapi-view") else None
            )
            pattern = URLPattern(
                pattern.pattern, _wrap(pattern.callback, only), pattern.default_args, pattern.name
            )
        out.append(pattern)
    return out, app_name, namespace


def _is_async(view: Callable[..., Any]) -> bool:
    from asgiref.sync import iscoroutinefunction

    return bool(iscoroutinefunction(view))
