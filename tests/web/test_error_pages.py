"""Styled 403/404/500 pages for people, JSON for every /api/ path (issue 13 §6).

Before jiliang.errors, an unknown /api/ path answered Django's HTML "Not Found", a wrong
method ninja's text "Method not allowed", a PUT on /api/openapi.json 200, and pages the
bare Django error pages without the site's layout or a way home.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.urls import path
from django.utils import translation

import jiliang.urls
from jiliang import errors

API_ERROR = {"detail", "errors"}


def _boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug in a view")


# test URLconf (pytest.mark.urls): the project's URLs and handlers plus one view that fails
urlpatterns = [path("boom/", _boom), path("api/boom/", _boom), *jiliang.urls.urlpatterns]
handler404 = jiliang.urls.handler404
handler500 = jiliang.urls.handler500


def _api_body(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = json.loads(response.content)
    assert set(body) >= API_ERROR
    return dict(body)


# ---- /api/: JSON, never HTML -------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/nope", "/api/nope/deeper/", "/api/instruments/x/y/z"])
def test_unknown_api_path_is_json_404(url: str) -> None:
    body = _api_body(Client().get(url), 404)
    assert body == {"detail": "Not Found", "errors": []}


@pytest.mark.django_db
def test_unknown_api_path_is_json_404_when_logged_in(client_as: Callable[..., Client]) -> None:
    _api_body(client_as("market").post("/api/nope", {}), 404)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "url", "allowed"),
    [
        ("delete", "/api/instruments", {"GET", "POST"}),
        ("put", "/api/institutions", {"GET"}),
        ("patch", "/api/due", {"GET"}),
        ("put", "/api/openapi.json", {"GET", "HEAD"}),
        ("post", "/api/docs", {"GET", "HEAD"}),
    ],
)
def test_wrong_method_is_json_405(method: str, url: str, allowed: set[str]) -> None:
    response = getattr(Client(), method)(url)
    body = _api_body(response, 405)
    assert body["detail"].startswith("Method Not Allowed")
    assert {m.strip() for m in response["Allow"].split(",")} == allowed


@pytest.mark.django_db
def test_right_methods_still_answer() -> None:
    client = Client()
    assert client.get("/api/openapi.json").status_code == 200
    assert client.get("/api/docs").status_code == 200
    assert client.get("/api/institutions").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/api/notices/",
        "/api/account/tokens",
        "/api/my/jobs",
        "/api/comparisons/campaigns",
        "/api/lots/lots",
        "/api/intervals/groups",
    ],
)
def test_anonymous_call_to_private_endpoint_is_401_json(url: str) -> None:
    _api_body(Client().get(url), 401)


def test_api_403_and_500_are_json_without_database() -> None:
    """No django_db mark: the handlers would fail here if they touched the database."""
    rf = RequestFactory()
    body = _api_body(errors.permission_denied(rf.get("/api/x"), PermissionDenied("not yours")), 403)
    assert body["detail"] == "not yours"
    assert _api_body(errors.server_error(rf.get("/api/x")), 500)["detail"] == "Server Error"
    assert _api_body(errors.bad_request(rf.get("/api/x"), ValueError()), 400)


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_failing_api_view_answers_json_500() -> None:
    _api_body(Client(raise_request_exception=False).get("/api/boom/"), 500)


# ---- pages: styled, Chinese by default, English by the language cookie, a way home ------


def _english(client: Client) -> Client:
    """The language switch keeps the choice in Django's language cookie."""
    client.cookies["django_language"] = "en"
    return client


def _page(response: Any, status: int) -> str:
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert 'href="/"' in html  # home
    assert "site.css" in html  # the site's own style, served locally
    return html


@pytest.mark.django_db
def test_404_page_is_styled_and_translated(client_as: Callable[..., Client]) -> None:
    html = _page(Client().get("/no-such-page/"), 404)
    assert "页面不存在" in html and "Page not found" not in html
    assert "/no-such-page/" in html
    assert 'class="top"' in html  # the site's header (base.html)
    english = _page(_english(Client()).get("/no-such-page/"), 404)
    assert "Page not found" in english and "页面不存在" not in english
    assert "/no-such-page/" in english
    logged = _page(client_as("market").get("/instruments/999999999/"), 404)
    assert "页面不存在" in logged


@pytest.mark.django_db
def test_404_page_escapes_the_path() -> None:
    html = _page(Client().get("/<script>x</script>/"), 404)
    assert "<script>x</script>" not in html


@pytest.mark.django_db
def test_403_page_is_styled_and_gives_the_reason(client_as: Callable[..., Client]) -> None:
    html = _page(client_as("market").get("/calibration/jobs/new/"), 403)
    assert "无权访问" in html and "Access denied" not in html
    assert "only laboratory staff receive instruments" in html
    english = _page(_english(client_as("market")).get("/calibration/jobs/new/"), 403)
    assert "Access denied" in english and "无权访问" not in english
    assert "only laboratory staff receive instruments" in english


def test_500_page_needs_no_database_nor_request_context() -> None:
    """No django_db mark: any query would raise. Rendered from the template alone."""
    response = errors.server_error(RequestFactory().get("/somewhere/"))
    html = _page(response, 500)
    assert "服务器内部错误" in html and "Server error" not in html
    assert "{%" not in html and "{{" not in html
    with translation.override("en"):  # what LocaleMiddleware activates for the cookie
        english = _page(errors.server_error(RequestFactory().get("/somewhere/")), 500)
    assert "Server error" in english and "服务器内部错误" not in english


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_failing_page_answers_the_500_page() -> None:
    html = _page(Client(raise_request_exception=False).get("/boom/"), 500)
    assert "服务器内部错误" in html
    assert "a bug in a view" not in html  # no internals shown
